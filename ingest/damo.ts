/** Placeholder for the damo reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const damoFormat: IngestFormat = {
  name: 'damo',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the damo reader is not implemented yet');
  },
};
