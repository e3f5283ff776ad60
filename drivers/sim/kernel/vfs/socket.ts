/**
 * socketpair(AF_UNIX, SOCK_STREAM) reduced to what fd passing needs
 * (net/unix/af_unix.c, net/core/scm.c): sendmsg with SCM_RIGHTS takes a
 * reference on each file (scm_fp_dup / get_file) and queues it on the peer;
 * recvmsg installs it as a new fd; files still queued when the receiving
 * socket is released are dropped then (unix_release_sock purges the queue).
 * Sending to a peer that is gone is EPIPE.
 */
import { SysError } from '../../../../harness/sys/errno';
import { O_RDWR, POLLIN, POLLOUT, POLLHUP, S_IFSOCK } from '../../../../harness/sys/constants';
import { anonInode } from './anon';
import { KFile, type FileOperations } from './file';

export class UnixSock {
  peer: UnixSock | null = null;
  /** Files in flight towards this socket, oldest first. */
  readonly queue: KFile[] = [];
  open = true;
}

const ops: FileOperations = {
  kind: 'socket',
  poll(file) {
    const s = file.privateData as UnixSock;
    return (s.queue.length > 0 ? POLLIN : 0) | (s.peer?.open ? POLLOUT : POLLHUP);
  },
  release(file) {
    const s = file.privateData as UnixSock;
    s.open = false;
    for (const f of s.queue.splice(0)) f.put();
  },
};

export function createSocketPair(onFree: (f: KFile) => void): [KFile, KFile] {
  const a = new UnixSock();
  const b = new UnixSock();
  a.peer = b;
  b.peer = a;
  const fa = new KFile(ops, anonInode(S_IFSOCK | 0o777), O_RDWR, onFree);
  const fb = new KFile(ops, anonInode(S_IFSOCK | 0o777), O_RDWR, onFree);
  fa.privateData = a;
  fb.privateData = b;
  return [fa, fb];
}

export function isSocket(f: KFile): boolean {
  return f.fop === ops;
}

/** SCM_RIGHTS send: the peer's queue takes its own reference. */
export function sendFile(sock: KFile, file: KFile): void {
  if (!isSocket(sock)) throw SysError.of('ENOTSOCK', 'sendmsg');
  const s = sock.privateData as UnixSock;
  const peer = s.peer;
  if (!peer || !peer.open) throw SysError.of('EPIPE', 'sendmsg');
  peer.queue.push(file.get());
}

/** SCM_RIGHTS receive: returns the queued reference for the caller to install. */
export function recvFile(sock: KFile): KFile {
  if (!isSocket(sock)) throw SysError.of('ENOTSOCK', 'recvmsg');
  const s = sock.privateData as UnixSock;
  const f = s.queue.shift();
  if (!f) throw SysError.of('EAGAIN', 'recvmsg', 'no file in flight');
  return f;
}
