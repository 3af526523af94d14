import { describe, expect, it } from 'vitest';
import { exposureWarning } from '../../src/cli/commands/serve.js';

describe('exposureWarning', () => {
  it('warns when serving beyond loopback without an API key, and only then', () => {
    expect(exposureWarning({ host: '0.0.0.0', apiKey: undefined })).toMatch(/^serving on 0\.0\.0\.0 without an API key/);
    expect(exposureWarning({ host: '192.168.1.5', apiKey: undefined })).toMatch(/set NEWSQ_API_KEY$/);
    expect(exposureWarning({ host: '0.0.0.0', apiKey: 'k' })).toBeNull();
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1']) expect(exposureWarning({ host, apiKey: undefined })).toBeNull();
  });
});
