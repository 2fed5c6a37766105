/** Placeholder for the nvprof reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const nvprofFormat: IngestFormat = {
  name: 'nvprof',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the nvprof reader is not implemented yet');
  },
};
