"""PyKCS11 against the module; run by client_python.sh.

usage: client_pykcs11.py MODULE TOKEN-LABEL PIN OUTPUT-DIRECTORY

Logs in, generates a P-256 and an Ed25519 key pair in the token, signs,
verifies through the module (a changed message must fail), and verifies
every signature again with python3-cryptography from the public key the
module returned. Writes message.bin and p256.sig (DER) to the output
directory for openssl. RSA (PKCS#1 v1.5, PSS) runs when the module lists
CKM_RSA_PKCS_KEY_PAIR_GEN. Prints FAIL lines and exits 1 on any failure.
"""

import hashlib
import os
import sys

import PyKCS11

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.asymmetric.utils import (
        encode_dss_signature,
    )

    HAVE_CRYPTOGRAPHY = True
except ImportError:
    HAVE_CRYPTOGRAPHY = False

FAILURES = []


def check(condition, what):
    if condition:
        print("    ok: " + what)
    else:
        print("FAIL: " + what)
        FAILURES.append(what)


def der_integer(value):
    body = value.to_bytes((value.bit_length() + 8) // 8, "big")
    return bytes([0x02, len(body)]) + body


def ecdsa_der(raw):
    """r || s, as the module returns it, to a DER ECDSA-Sig-Value."""
    half = len(raw) // 2
    body = der_integer(int.from_bytes(raw[:half], "big")) + der_integer(
        int.from_bytes(raw[half:], "big")
    )
    return bytes([0x30, len(body)]) + body


def octet_string_contents(der):
    """CKA_EC_POINT is a DER OCTET STRING (short form here)."""
    assert der[0] == 0x04 and der[1] == len(der) - 2, der.hex()
    return der[2:]


def independent_verify(what, verify, good, bad):
    """verify(message) must accept good and reject bad."""
    if not HAVE_CRYPTOGRAPHY:
        return
    try:
        verify(good)
        check(True, what + ": python3-cryptography verifies")
    except InvalidSignature:
        check(False, what + ": python3-cryptography verifies")
    try:
        verify(bad)
        check(False, what + ": python3-cryptography rejects another message")
    except InvalidSignature:
        check(True, what + ": python3-cryptography rejects another message")


def main():
    module, label, pin, outdir = sys.argv[1:5]
    lib = PyKCS11.PyKCS11Lib()
    lib.load(module)
    info = lib.getInfo()
    print("library: %s %s" % (info.manufacturerID.strip(),
                              info.libraryDescription.strip()))
    slots = [s for s in lib.getSlotList(tokenPresent=True)
             if lib.getTokenInfo(s).label.strip() == label]
    check(len(slots) == 1, "one slot holds the token " + label)
    slot = slots[0]
    mechanisms = lib.getMechanismList(slot)  # names: "CKM_..."
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION |
                              PyKCS11.CKF_RW_SESSION)
    session.login(pin)
    print("logged in to " + label)

    message = b"signed by a guardhsm key through PyKCS11\n"
    other = b"another message\n"

    # ---- P-256 ---------------------------------------------------------
    p256_oid = bytes.fromhex("06082a8648ce3d030107")
    public, private = session.generateKeyPair(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
         (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
         (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
         (PyKCS11.CKA_EC_PARAMS, p256_oid),
         (PyKCS11.CKA_LABEL, "python-p256"), (PyKCS11.CKA_ID, (0x50,))],
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
         (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
         (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
         (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_SIGN, True),
         (PyKCS11.CKA_LABEL, "python-p256"), (PyKCS11.CKA_ID, (0x50,))],
        mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN))
    print("generated P-256 key pair (ID 50)")
    sensitive, extractable = session.getAttributeValue(
        private, [PyKCS11.CKA_SENSITIVE, PyKCS11.CKA_EXTRACTABLE])
    check(sensitive and not extractable,
          "private key sensitive and not extractable")
    # The low-level call: Session.getAttributeValue hides the error code.
    template = PyKCS11.LowLevel.ckattrlist(1)
    template[0].SetType(PyKCS11.CKA_VALUE)
    rv = session.lib.C_GetAttributeValue(session.session, private, template)
    check(rv == PyKCS11.CKR_ATTRIBUTE_SENSITIVE,
          "private CKA_VALUE refused: %s" % PyKCS11.CKR[rv])

    mechanism = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256)
    signature = bytes(session.sign(private, message, mechanism))
    check(len(signature) == 64, "ECDSA-SHA256 signature is r || s (64 bytes)")
    check(session.verify(public, message, signature, mechanism),
          "the module verifies its ECDSA-SHA256 signature")
    check(not session.verify(public, other, signature, mechanism),
          "the module rejects it on another message")
    digest = hashlib.sha256(message).digest()
    raw = bytes(session.sign(private, digest,
                             PyKCS11.Mechanism(PyKCS11.CKM_ECDSA)))
    check(bytes(session.digest(message,
                               PyKCS11.Mechanism(PyKCS11.CKM_SHA256)))
          == digest, "C_Digest SHA-256 equals hashlib's")

    point = octet_string_contents(bytes(session.getAttributeValue(
        public, [PyKCS11.CKA_EC_POINT])[0]))
    if HAVE_CRYPTOGRAPHY:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(),
                                                           point)
        for what, sig in (("ECDSA-SHA256", signature), ("ECDSA", raw)):
            independent_verify(
                what, lambda m, s=sig: key.verify(
                    ecdsa_der(s), m, ec.ECDSA(hashes.SHA256())),
                message, other)
    else:
        print("NOTE: python3-cryptography is missing: openssl alone checks")
    with open(os.path.join(outdir, "message.bin"), "wb") as out:
        out.write(message)
    with open(os.path.join(outdir, "p256.sig"), "wb") as out:
        out.write(ecdsa_der(signature))

    # ---- Ed25519 --------------------------------------------------------
    ed_oid = bytes.fromhex("06032b6570")
    public, private = session.generateKeyPair(
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
         (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC_EDWARDS),
         (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
         (PyKCS11.CKA_EC_PARAMS, ed_oid),
         (PyKCS11.CKA_LABEL, "python-ed25519"), (PyKCS11.CKA_ID, (0x51,))],
        [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
         (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC_EDWARDS),
         (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
         (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_SIGN, True),
         (PyKCS11.CKA_LABEL, "python-ed25519"), (PyKCS11.CKA_ID, (0x51,))],
        mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_EDWARDS_KEY_PAIR_GEN))
    print("generated Ed25519 key pair (ID 51)")
    mechanism = PyKCS11.Mechanism(PyKCS11.CKM_EDDSA)
    signature = bytes(session.sign(private, message, mechanism))
    check(len(signature) == 64, "Ed25519 signature is 64 bytes")
    check(session.verify(public, message, signature, mechanism),
          "the module verifies its Ed25519 signature")
    check(not session.verify(public, other, signature, mechanism),
          "the module rejects it on another message")
    point = octet_string_contents(bytes(session.getAttributeValue(
        public, [PyKCS11.CKA_EC_POINT])[0]))
    if HAVE_CRYPTOGRAPHY:
        key = ed25519.Ed25519PublicKey.from_public_bytes(point)
        independent_verify("Ed25519", lambda m: key.verify(signature, m),
                           message, other)

    # ---- RSA, when the module has it -------------------------------------
    if "CKM_RSA_PKCS_KEY_PAIR_GEN" not in mechanisms:
        print("SKIP rsa: module has no CKM_RSA_PKCS_KEY_PAIR_GEN")
    else:
        public, private = session.generateKeyPair(
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY),
             (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
             (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
             (PyKCS11.CKA_MODULUS_BITS, 2048),
             (PyKCS11.CKA_PUBLIC_EXPONENT, (0x01, 0x00, 0x01)),
             (PyKCS11.CKA_LABEL, "python-rsa"), (PyKCS11.CKA_ID, (0x52,))],
            [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
             (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
             (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
             (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_SIGN, True),
             (PyKCS11.CKA_LABEL, "python-rsa"), (PyKCS11.CKA_ID, (0x52,))],
            mecha=PyKCS11.Mechanism(PyKCS11.CKM_RSA_PKCS_KEY_PAIR_GEN))
        print("generated RSA-2048 key pair (ID 52)")
        modulus, exponent = session.getAttributeValue(
            public, [PyKCS11.CKA_MODULUS, PyKCS11.CKA_PUBLIC_EXPONENT])
        pss = PyKCS11.RSA_PSS_Mechanism(
            PyKCS11.CKM_SHA256_RSA_PKCS_PSS, PyKCS11.CKM_SHA256,
            PyKCS11.CKG_MGF1_SHA256, 32)
        pkcs1 = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS)
        sig_pkcs1 = bytes(session.sign(private, message, pkcs1))
        sig_pss = bytes(session.sign(private, message, pss))
        check(session.verify(public, message, sig_pkcs1, pkcs1),
              "the module verifies its RSA PKCS#1 v1.5 signature")
        check(session.verify(public, message, sig_pss, pss),
              "the module verifies its RSA-PSS signature")
        if HAVE_CRYPTOGRAPHY:
            key = rsa.RSAPublicNumbers(
                int.from_bytes(bytes(exponent), "big"),
                int.from_bytes(bytes(modulus), "big")).public_key()
            independent_verify(
                "RSA PKCS#1 v1.5", lambda m: key.verify(
                    sig_pkcs1, m, padding.PKCS1v15(), hashes.SHA256()),
                message, other)
            independent_verify(
                "RSA-PSS", lambda m: key.verify(
                    sig_pss, m, padding.PSS(padding.MGF1(hashes.SHA256()),
                                            32), hashes.SHA256()),
                message, other)

    session.logout()
    session.closeSession()
    if FAILURES:
        print("FAILED: %d check(s)" % len(FAILURES))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
