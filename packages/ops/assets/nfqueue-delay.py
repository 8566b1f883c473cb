#!/usr/bin/python3
"""Holds every packet queued to NFQUEUE QUEUE for DELAY_MS, then lets it go, in arrival order.

The simulated data centers need a real round trip between them (DESIGN §1: synchronous replication
must pay it). `tc qdisc ... netem delay` is the usual tool, but some kernels (this project's CI VMs
among them) are built without sch_netem. Netfilter's queue is built in: an iptables rule hands each
packet arriving in a DC to this process, which answers NF_ACCEPT once it has waited DELAY_MS. The
rule is installed with --queue-bypass, so if this process dies, traffic flows undelayed instead of
stopping. Only the packet id is copied to user space (NFQNL_COPY_META), never the payload.

Usage: nfqueue_delay.py QUEUE DELAY_MS   (run inside the namespace whose traffic it delays)
Plain netlink with the standard library, so it runs with Debian's python3 and nothing else.
"""
import collections
import os
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 2, 3
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLMSG_ERROR = 0x2
QUEUE_MAXLEN = 65536


def attribute(kind, payload):
    length = 4 + len(payload)
    return struct.pack('=HH', length, kind) + payload + b'\0' * ((4 - length % 4) % 4)


def message(msg_type, queue, attributes, flags=NLM_F_REQUEST, seq=0):
    # nfgenmsg: family, version, resource id (the queue number, big-endian)
    body = struct.pack('=BBH', socket.AF_UNSPEC, 0, socket.htons(queue)) + b''.join(attributes)
    return struct.pack('=IHHII', 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, seq, 0) + body


def configure(sock, queue):
    """Binds the queue and asks for metadata only; waits for each acknowledgement."""
    commands = [
        [attribute(NFQA_CFG_CMD, struct.pack('!BBH', NFQNL_CFG_CMD_BIND, 0, socket.AF_INET))],
        [attribute(NFQA_CFG_PARAMS, struct.pack('!IB', 0, NFQNL_COPY_META) + b'\0\0\0'),
         attribute(NFQA_CFG_QUEUE_MAXLEN, struct.pack('!I', QUEUE_MAXLEN))],
    ]
    for seq, attrs in enumerate(commands, 1):
        sock.send(message(NFQNL_MSG_CONFIG, queue, attrs, NLM_F_REQUEST | NLM_F_ACK, seq))
        data = sock.recv(65536)
        _length, kind, _flags, _seq, _pid = struct.unpack_from('=IHHII', data)
        if kind == NLMSG_ERROR:
            error = struct.unpack_from('=i', data, 16)[0]
            if error:
                raise OSError(-error, f'nfqueue config: {os.strerror(-error)}')


def packet_ids(data):
    """Yields the packet id of each queued-packet message in one netlink read."""
    offset = 0
    while offset + 16 <= len(data):
        length, kind, _flags, _seq, _pid = struct.unpack_from('=IHHII', data, offset)
        if length < 16:
            break
        if kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            pos, end = offset + 20, offset + length  # after nlmsghdr (16) and nfgenmsg (4)
            while pos + 4 <= end:
                attr_len, attr_kind = struct.unpack_from('=HH', data, pos)
                if attr_len < 4:
                    break
                if attr_kind & 0x7fff == NFQA_PACKET_HDR:
                    yield struct.unpack_from('!I', data, pos + 4)[0]
                    break
                pos += (attr_len + 3) & ~3
        offset += (length + 3) & ~3


def main():
    queue, delay = int(sys.argv[1]), float(sys.argv[2]) / 1000.0
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((0, 0))
    configure(sock, queue)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f'nfqueue_delay: queue {queue}, {delay * 1000:g} ms', flush=True)
    held = collections.deque()  # (release time, packet id), in arrival order
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        if select.select([sock], [], [], timeout)[0]:
            try:
                data = sock.recv(1 << 20)
            except OSError:  # ENOBUFS: the kernel dropped messages; those packets are lost, as on a wire
                continue
            now = time.monotonic()
            held.extend((now + delay, pid) for pid in packet_ids(data))
        now = time.monotonic()
        last = None
        while held and held[0][0] <= now:
            last = held.popleft()[1]
        if last is not None:
            # Ids grow in arrival order and packets leave in arrival order: one batch verdict accepts
            # every packet up to `last`, instead of one message per packet.
            sock.send(message(NFQNL_MSG_VERDICT_BATCH, queue, [attribute(NFQA_VERDICT_HDR, struct.pack('!II', NF_ACCEPT, last))]))


if __name__ == '__main__':
    main()
