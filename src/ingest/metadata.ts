import { parseDate } from './dates.js';

/** Metadata that a line of article text states about its article. */
export interface LineMetadata {
  source?: string;
  published?: string;
}

const UPDATED = /^(?:updated|published|posted|last updated|first published)\s*:?\s*(.+)$/i;
// "CAIRO (Reuters) –", "GAZA, Feb 9 (AP) -": a place in capitals, the outlet in parentheses, a dash.
const DATELINE = /^[A-Z][A-Z .,'/-]{1,40}(?:,[^()]{1,20})?\s*\(([A-Za-z][\w .&'-]{1,30})\)\s*[-–—]/;
const ATTRIBUTION = /\b(?:told|said to|speaking to)\s+(The\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})\b/;

/**
 * A line that is only metadata ("Updated: February 09, 2024, 9:30 AM"): returns what it states,
 * or null when the line is article text.
 */
export function readMetadataLine(line: string): LineMetadata | null {
  const updated = UPDATED.exec(line);
  if (!updated || line.length > 80) return null;
  const published = parseDate(updated[1]);
  return published ? { published } : null;
}

/**
 * Metadata stated inside article text: a dateline's outlet and date, or the outlet named in an
 * attribution such as "told The National". The text itself stays as it is.
 */
export function readInlineMetadata(paragraph: string): LineMetadata {
  const dateline = DATELINE.exec(paragraph);
  if (dateline) {
    const published = parseDate(dateline[0]);
    return published ? { source: dateline[1], published } : { source: dateline[1] };
  }
  const attribution = ATTRIBUTION.exec(paragraph);
  return attribution ? { source: attribution[1] } : {};
}
