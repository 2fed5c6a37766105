/** Placeholder for the nsys reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const nsysFormat: IngestFormat = {
  name: 'nsys',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the nsys reader is not implemented yet');
  },
};
