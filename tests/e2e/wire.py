"""Just enough of the wire format to play a peer from Python: protobuf encoding of the few
messages the adversarial tests send, the signing hash (docs/protocol.md §2.3) and BIP-340
signatures, written from the specifications (not from the node's code), so a test peer is an
independent implementation."""
import hashlib
import os
import struct

# --- protobuf (proto3 wire format) ---


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(num, data):
    return varint(num << 3 | 2) + varint(len(data)) + data


def field_varint(num, value):
    return b"" if value == 0 else varint(num << 3) + varint(value)


def parse(data):
    """{field number: [values]} of one message (varints as int, length-delimited as bytes)."""
    out, i = {}, 0
    while i < len(data):
        key, i = _read_varint(data, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _read_varint(data, i)
        elif wt == 2:
            n, i = _read_varint(data, i)
            v, i = data[i:i + n], i + n
        else:
            raise ValueError(f"wire type {wt}")
        out.setdefault(num, []).append(v)
    return out


def _read_varint(data, i):
    n = shift = 0
    while True:
        b = data[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, i


# Envelope payload fields (proto/p2p.proto) and Handshake fields.
ENV_HANDSHAKE, ENV_TX, ENV_PROPOSAL, ENV_VOTE = 2, 3, 4, 5


def envelope(payload_field, payload):
    return field_bytes(payload_field, payload)


def handshake(chain_id=b"", genesis_hash=b"", pubkey=b"", nonce=b"", signature=b"", listen=b"", height=0):
    return (field_bytes(1, chain_id) if chain_id else b"") + (field_bytes(2, pubkey) if pubkey else b"") + \
        (field_bytes(3, nonce) if nonce else b"") + (field_bytes(4, signature) if signature else b"") + \
        (field_bytes(5, listen) if listen else b"") + field_varint(6, height) + \
        (field_bytes(7, genesis_hash) if genesis_hash else b"")


def vote(vtype, height, round_, block_hash, validator):
    return field_varint(1, vtype) + field_varint(2, height) + field_varint(3, round_) + \
        field_bytes(4, block_hash) + field_bytes(5, validator)


def signed_vote(vote_bytes, signature):
    return field_bytes(1, vote_bytes) + field_bytes(2, signature)


# --- signing hash (§2.3) ---


def signing_hash(tag, chain_id, message):
    tag = tag.encode()
    return hashlib.sha256(bytes([len(tag)]) + tag + struct.pack("<Q", len(chain_id)) + chain_id + message).digest()


HANDSHAKE_TAG = "ghostchain/p2p-handshake/v1"
VOTE_TAG = "ghostchain/vote/v1"

# --- BIP-340 (from the BIP's reference description) ---

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
     0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8)


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0] and a[1] != b[1]:
        return None
    if a == b:
        lam = 3 * a[0] * a[0] * pow(2 * a[1], P - 2, P) % P
    else:
        lam = (b[1] - a[1]) * pow(b[0] - a[0], P - 2, P) % P
    x = (lam * lam - a[0] - b[0]) % P
    return x, (lam * (a[0] - x) - a[1]) % P


def _mul(pt, n):
    r = None
    while n:
        if n & 1:
            r = _add(r, pt)
        pt = _add(pt, pt)
        n >>= 1
    return r


def _tagged(tag, data):
    t = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(t + t + data).digest()


class Key:
    def __init__(self, secret=None):
        self.d = int.from_bytes(secret or os.urandom(32), "big") % (N - 1) + 1
        self.point = _mul(G, self.d)
        self.pubkey = self.point[0].to_bytes(32, "big")

    def sign(self, msg32):
        d = self.d if self.point[1] % 2 == 0 else N - self.d
        aux = os.urandom(32)
        t = (d ^ int.from_bytes(_tagged("BIP0340/aux", aux), "big")).to_bytes(32, "big")
        k = int.from_bytes(_tagged("BIP0340/nonce", t + self.pubkey + msg32), "big") % N
        R = _mul(G, k)
        k = k if R[1] % 2 == 0 else N - k
        r = R[0].to_bytes(32, "big")
        e = int.from_bytes(_tagged("BIP0340/challenge", r + self.pubkey + msg32), "big") % N
        return r + ((k + e * d) % N).to_bytes(32, "big")
