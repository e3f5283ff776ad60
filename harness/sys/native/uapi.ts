/**
 * The C library layouts the native backend lays out itself, as UapiHeaders
 * so the layout check compares them with glibc's headers on this machine.
 */
import type { UapiHeader } from '../../uapi/header';
import { CMSG_LEN_ONE_FD, cmsg_one_fd, cmsghdr, iovec, msghdr } from './scm';
import { statx_layout, statx_timestamp } from './statx';

export const STATX_UAPI: UapiHeader = {
  include: 'sys/stat.h',
  source: { kind: 'libc' },
  prelude: ['#define _GNU_SOURCE'],
  ioctls: [],
  structs: [statx_timestamp, statx_layout],
  // Padding: glibc and the kernel's linux/stat.h (which glibc uses when present) name it differently.
  members: {
    statx_timestamp: { __statx_timestamp_pad1: null },
    statx: { __statx_pad1: null, __statx_pad2: null },
  },
};

export const SOCKET_UAPI: UapiHeader = {
  include: 'sys/socket.h',
  source: { kind: 'libc' },
  prelude: ['#define _GNU_SOURCE'],
  ioctls: [],
  structs: [msghdr, iovec, cmsghdr],
  constants: {
    'CMSG_LEN(sizeof(int))': CMSG_LEN_ONE_FD,
    'CMSG_SPACE(sizeof(int))': cmsg_one_fd.size,
    'CMSG_LEN(0)': cmsg_one_fd.offsets.fd,
  },
};
