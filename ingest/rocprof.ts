/** Placeholder for the rocprofv3 JSON reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const rocprofFormat: IngestFormat = {
  name: 'rocprof',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the rocprof reader is not implemented yet');
  },
};
