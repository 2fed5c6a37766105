/** Placeholder for the kineto reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const kinetoFormat: IngestFormat = {
  name: 'kineto',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the kineto reader is not implemented yet');
  },
};
