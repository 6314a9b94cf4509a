/**
 * Where class-transformer keeps its decorators' metadata. Its entry point does not export it;
 * Nest's mapped types read it from this same file.
 */
declare module 'class-transformer/cjs/storage' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
  export const defaultMetadataStorage: MetadataStorage;
}
