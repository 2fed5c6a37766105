/** Placeholder for the csv reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const csvFormat: IngestFormat = {
  name: 'csv',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the csv reader is not implemented yet');
  },
};
