/** Placeholder for the ftrace reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const ftraceFormat: IngestFormat = {
  name: 'ftrace',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the ftrace reader is not implemented yet');
  },
};
