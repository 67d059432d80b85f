import {
  readDeadLetterBlobs,
  type DeadLetterBlobRead,
  type DeadLetterSelection,
} from "../adapters/storage/deadLetterBlobs.js";
import { openDeadLetterContainer } from "../adapters/storage/deadLetterContainer.js";

export { DeadLetterSourceError } from "../adapters/storage/deadLetterSourceError.js";
export type { DeadLetterBlobRead, DeadLetterSelection } from "../adapters/storage/deadLetterBlobs.js";

/** Where `cmkr replay --dead-letter` reads from: a container folder, named without secrets. */
export interface DeadLetterSource {
  /** The location for messages: never a SAS nor a connection string. */
  readonly label: string;
  /** Folder inside the container, `""` for the whole container, else ending in `/`. */
  readonly prefix: string;
  /** The dead-letter blobs, oldest first, each with its events or why it could not be read. */
  read(selection?: DeadLetterSelection): AsyncGenerator<DeadLetterBlobRead>;
}

/**
 * Opens `--dead-letter LOCATION` (a container URL, or `{container}[/{folder}]` on the account of
 * the storage connection string). Throws `DeadLetterSourceError` for a location that cannot be used.
 */
export async function openDeadLetterSource(
  location: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DeadLetterSource> {
  const container = await openDeadLetterContainer(location, env);
  return {
    label: container.label,
    prefix: container.prefix,
    read: (selection) => readDeadLetterBlobs(container, selection),
  };
}
