/**
 * Passing fds over a unix socket (SCM_RIGHTS, unix(7)). sendmsg/recvmsg take a
 * struct msghdr full of pointers, so the whole message (msghdr, one iovec, one
 * payload byte, one cmsghdr) is laid out by hand, LP64, in one block of C
 * memory whose address is stable for the call.
 */
import { ptr, s32, struct, u32, u8, array } from '../../uapi/layout';
import { SysError } from '../errno';
import type { Libc } from './libc';

export const msghdr = struct('msghdr', {
  msg_name: ptr,
  msg_namelen: u32,
  msg_iov: ptr,
  msg_iovlen: ptr,
  msg_control: ptr,
  msg_controllen: ptr,
  msg_flags: s32,
});
export const iovec = struct('iovec', { iov_base: ptr, iov_len: ptr });
export const cmsghdr = struct('cmsghdr', { cmsg_len: ptr, cmsg_level: s32, cmsg_type: s32 });
/** A cmsghdr carrying one int: CMSG_SPACE(sizeof(int)) bytes, data at CMSG_DATA = offset 16. */
export const cmsg_one_fd = struct('cmsghdr_fd', { ...cmsghdr.fields, fd: s32, pad: array(u8, 4) });

const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CTRUNC = 0x8;
/** A closed peer gives EPIPE instead of a SIGPIPE that would kill node. */
const MSG_NOSIGNAL = 0x4000;
/** recvFd never blocks (a blocking recvmsg would freeze the event loop): an empty socket is EAGAIN, as in the simulator. */
const MSG_DONTWAIT = 0x40;
/** CMSG_LEN(sizeof(int)): header (16) + the int, without tail padding. */
export const CMSG_LEN_ONE_FD = cmsg_one_fd.offsets.fd + 4;

const OFF_MSG = 0;
const OFF_IOV = OFF_MSG + msghdr.size;
const OFF_BYTE = OFF_IOV + iovec.size;
const OFF_CMSG = OFF_BYTE + 8;
const BLOCK_SIZE = OFF_CMSG + cmsg_one_fd.size;

export class ScmChannel {
  private readonly base: bigint;
  private readonly view: Buffer;

  constructor(private readonly c: Libc) {
    const base = c.calloc(1, BLOCK_SIZE);
    if (base === null || base === 0n) throw SysError.of('ENOMEM', 'calloc');
    this.base = base;
    this.view = Buffer.from(c.koffi.view(base, BLOCK_SIZE));
  }

  private prepare(fd: number): void {
    this.view.fill(0);
    msghdr.write(this.view, OFF_MSG, {
      msg_name: 0n,
      msg_namelen: 0,
      msg_iov: this.base + BigInt(OFF_IOV),
      msg_iovlen: 1n,
      msg_control: this.base + BigInt(OFF_CMSG),
      msg_controllen: BigInt(cmsg_one_fd.size),
      msg_flags: 0,
    });
    // SCM_RIGHTS needs at least one byte of ordinary data to travel with.
    iovec.write(this.view, OFF_IOV, { iov_base: this.base + BigInt(OFF_BYTE), iov_len: 1n });
    cmsg_one_fd.write(this.view, OFF_CMSG, {
      cmsg_len: BigInt(CMSG_LEN_ONE_FD),
      cmsg_level: SOL_SOCKET,
      cmsg_type: SCM_RIGHTS,
      fd,
      pad: [],
    });
  }

  send(sock: number, fd: number): void {
    this.prepare(fd);
    this.view[OFF_BYTE] = 0x46;
    const ret = this.c.sendmsg(sock, this.base + BigInt(OFF_MSG), MSG_NOSIGNAL);
    if (ret < 0) throw new SysError(this.c.errno(), 'sendmsg');
  }

  receive(sock: number): number {
    this.prepare(-1);
    const ret = this.c.recvmsg(sock, this.base + BigInt(OFF_MSG), MSG_DONTWAIT);
    if (ret < 0) throw new SysError(this.c.errno(), 'recvmsg');
    if (ret === 0) throw SysError.of('ECONNRESET', 'recvmsg', 'the other end closed the socket');
    const hdr = msghdr.read(this.view, OFF_MSG);
    const cm = cmsg_one_fd.read(this.view, OFF_CMSG);
    const hasFd =
      hdr.msg_controllen >= BigInt(CMSG_LEN_ONE_FD) &&
      cm.cmsg_level === SOL_SOCKET &&
      cm.cmsg_type === SCM_RIGHTS &&
      cm.cmsg_len >= BigInt(CMSG_LEN_ONE_FD);
    if ((hdr.msg_flags & MSG_CTRUNC) !== 0) {
      if (hasFd && cm.fd >= 0) this.c.close(cm.fd);
      throw SysError.of('EMSGSIZE', 'recvmsg', 'control data truncated: more than one fd was sent');
    }
    if (!hasFd) throw SysError.of('EBADMSG', 'recvmsg', 'message carried no SCM_RIGHTS fd');
    if (cm.cmsg_len > BigInt(CMSG_LEN_ONE_FD)) {
      // A second fd fits in the tail padding: close it rather than leak it.
      this.c.close(this.view.readInt32LE(OFF_CMSG + CMSG_LEN_ONE_FD));
      this.c.close(cm.fd);
      throw SysError.of('EMSGSIZE', 'recvmsg', 'more than one fd was sent in one message');
    }
    return cm.fd;
  }
}
