/** Placeholder for the uvm-log reader (see ingest/format.ts). */
import type { IngestFormat } from './format.ts';

export const uvmLogFormat: IngestFormat = {
  name: 'uvm-log',
  description: '(not implemented yet)',
  sniff: () => false,
  read: async () => {
    throw new Error('the uvm-log reader is not implemented yet');
  },
};
