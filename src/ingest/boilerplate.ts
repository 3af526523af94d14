/**
 * Lines that scraped news carries but that are not article text. Each pattern matches a whole
 * trimmed line; kept in one table so that what newsq drops is easy to read and to extend.
 */
const BOILERPLATE: RegExp[] = [
  /^live (updates|blog|coverage)\b.*$/i,
  /^powered by automated translation\.?$/i,
  /^source link\.?$/i,
  /^leave a (comment|reply)\b.*$/i,
  /^your email address will not be published\b.*$/i,
  /^related (posts|articles|stories|news|content|coverage)\s*:?$/i,
  /^(read more|more on this|recommended|advertisement|share this article|sign up\b.*|subscribe\b.*)\.?$/i,
  /^\d+\s+of\s+\d+$/i,
  /^\(?(additional )?(reporting|writing|editing|compiled|edited) by\b.*$/i,
  /^(photo|image|picture|video)( credit)?:\s.*$/i,
];

// A photo caption ends with the agency that shot it: "... on Thursday. Reuters", "... [Getty]".
const AGENCY = '(?:Reuters|AFP|AP|EPA|EPA-EFE|Getty Images|Getty|Bloomberg|Shutterstock|Anadolu|WAM|SPA|Xinhua|Alamy)';
const CAPTION_CREDIT = new RegExp(`(?:[.!?]["”’]?\\s+${AGENCY}(?:\\s*/\\s*[A-Z][\\w ]+)?|\\[(?:${AGENCY})[^\\]]*\\])$`);

/** Whether a whole line (trimmed) is boilerplate or a photo caption rather than article text. */
export function isBoilerplate(line: string): boolean {
  return BOILERPLATE.some((pattern) => pattern.test(line)) || CAPTION_CREDIT.test(line);
}
