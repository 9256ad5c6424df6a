import { extname } from 'node:path';

/** Common research-data formats; anything else is application/octet-stream. */
const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.gz': 'application/gzip',
  '.bz2': 'application/x-bzip2',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.h5': 'application/x-hdf5',
  '.hdf5': 'application/x-hdf5',
  '.vcf': 'text/plain',
  '.fastq': 'text/plain',
  '.fq': 'text/plain',
  '.fasta': 'text/plain',
  '.fa': 'text/plain',
  '.sam': 'text/plain',
  '.bed': 'text/plain',
};

export function contentTypeFor(fileName: string): string {
  return TYPES[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}
