#!/usr/bin/env python3
"""Seed corpus for fuzz_net_pkt: a valid UDP frame, an ARP request, and a few damaged variants."""
import struct, sys, os

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def udp(src, dst, sport, dport, payload):
    ulen = 8 + len(payload)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, 1, 0x4000, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    pseudo = src + dst + struct.pack('!BBH', 0, 17, ulen)
    u = struct.pack('!HHHH', sport, dport, ulen, 0) + payload
    c = csum(pseudo + u) or 0xffff
    u = u[:6] + struct.pack('!H', c) + u[8:]
    eth = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'
    return eth + ip + u

def arp():
    eth = b'\xff' * 6 + b'\x02\0\0\0\0\x01' + b'\x08\x06'
    return eth + struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, b'\x02\0\0\0\0\x01',
                             bytes([10, 99, 0, 1]), b'\0' * 6, bytes([10, 99, 0, 2]))

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
good = udp(bytes([10, 99, 0, 1]), bytes([10, 99, 0, 2]), 7946, 7946, b'HL' + bytes(range(40)))
seeds = {'udp': good, 'arp': arp(), 'udp_trunc': good[:30], 'udp_badihl': good[:14] + b'\x4f' + good[15:]}
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
