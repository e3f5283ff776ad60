/**
 * The JSON-lines protocol between a NativePeer (parent) and its peer agent
 * (child): one request per line on the child's stdin, one response per line
 * on its stdout. Buffers travel as hex, 64-bit offsets as decimal strings.
 */

export type PeerRequest =
  | { id: number; op: 'open'; path: string; flags: number }
  | { id: number; op: 'close'; fd: number }
  | { id: number; op: 'ioctl'; fd: number; request: number; arg: string }
  | { id: number; op: 'recvFd'; sock: number }
  | { id: number; op: 'read'; fd: number; length: number }
  | { id: number; op: 'write'; fd: number; data: string }
  | { id: number; op: 'lseek'; fd: number; offset: string; whence: number }
  | { id: number; op: 'exit' };

/** A success carries a number (`value`) and for ioctl/read the bytes (`data`, hex). */
export type PeerResponse =
  | { id: number; ok: true; value: number | string; data?: string }
  | { id: number; ok: false; errno: number; syscall: string; detail?: string }
  | { id: number; ok: false; error: string };

/** First line the agent prints once it is ready for requests. */
export interface PeerHello {
  ready: true;
  pid: number;
}

/** Distributes Omit over the request union so each op keeps its own fields. */
export type PeerRequestBody = PeerRequest extends infer R ? (R extends PeerRequest ? Omit<R, 'id'> : never) : never;
