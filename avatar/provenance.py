"""C2PA content credentials: every MP4 says, in a signed manifest any C2PA reader shows, that its
presenter is synthetic (EU AI Act Art. 50's machine-readable marking).

The manifest holds a ``c2pa.created`` action whose ``digitalSourceType`` is IPTC's
``trainedAlgorithmicMedia``, the tool's name and version, the script's title, the portrait's hash
and the render's input hash. It is signed with the identity the user configures (a certificate
chain and its private key, PEM), else with a local identity generated once into the user config
dir: a private root and a signing certificate issued by it, labelled self-signed. A reader
verifies the signature and reports the local root as untrusted, as it should.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avatar.errors import AvatarError

TRAINED_ALGORITHMIC_MEDIA = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
INPUTS_LABEL = "org.talking-avatar.inputs"
LOCAL_ORGANIZATION = "talking-avatar local identity (self-signed)"


@dataclass(frozen=True)
class Identity:
    """Who signs: a PEM certificate chain (signing certificate first) and its PEM private key."""

    chain: bytes
    key: bytes
    algorithm: str        # es256, es384, es512, ps256, ed25519
    self_signed: bool     # the local identity (its root is not in any trust list)
    source: str           # where it came from, for messages and the manifest

    @property
    def certificate_sha256(self) -> str:
        """SHA-256 of the signing certificate (DER), to recognise the signer."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        first = x509.load_pem_x509_certificates(self.chain)[0]
        return hashlib.sha256(first.public_bytes(serialization.Encoding.DER)).hexdigest()


def config_dir() -> Path:
    """Where the local identity lives: ``$AVATAR_CONFIG_DIR``, else the user config dir."""
    from platformdirs import user_config_dir

    return Path(os.environ.get("AVATAR_CONFIG_DIR") or user_config_dir("talking-avatar")) / "content-credentials"


def _algorithm(key: Any, source: str) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey):
        curves = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in curves:
            return curves[key.curve.name]
    elif isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    elif isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise AvatarError(source, "unsupported key type for C2PA signing (use EC P-256/384/521, RSA or Ed25519)")


def load_identity(cert: str | os.PathLike, key: str | os.PathLike) -> Identity:
    """A user's signing identity from a PEM certificate chain file and a PEM private key file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert, key = Path(cert), Path(key)
    try:
        chain = cert.read_bytes()
        certificates = x509.load_pem_x509_certificates(chain)
    except OSError as exc:
        raise AvatarError(cert, f"cannot read the signing certificate: {exc.strerror or exc}") from None
    except ValueError:
        raise AvatarError(cert, "not a PEM certificate chain") from None
    try:
        key_bytes = key.read_bytes()
        private = serialization.load_pem_private_key(key_bytes, password=None)
    except OSError as exc:
        raise AvatarError(key, f"cannot read the signing key: {exc.strerror or exc}") from None
    except (ValueError, TypeError):
        raise AvatarError(key, "not an unencrypted PEM private key") from None
    if certificates[0].public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo) != \
            private.public_key().public_bytes(serialization.Encoding.DER,
                                              serialization.PublicFormat.SubjectPublicKeyInfo):
        raise AvatarError(key, f"this key does not belong to the first certificate in {cert}")
    return Identity(chain, key_bytes, _algorithm(private, str(key)), self_signed=False, source=str(cert))


def local_identity() -> Identity:
    """The local identity, generated on first use into :func:`config_dir` (one PEM file with the
    key and the chain, so concurrent first uses can never pair a key with another's certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    path = config_dir() / "identity.pem"
    if not path.is_file():
        _create_local_identity(path)
    data = path.read_bytes()
    try:
        key = serialization.load_pem_private_key(data, password=None)
        x509.load_pem_x509_certificates(data)
    except ValueError:
        raise AvatarError(path, "the local signing identity is damaged; delete the file to make a new one") from None
    blocks = _pem_blocks(data)
    chain = b"".join(block for block in blocks if b"CERTIFICATE" in block.splitlines()[0])
    key_pem = b"".join(block for block in blocks if b"PRIVATE KEY" in block.splitlines()[0])
    return Identity(chain, key_pem, _algorithm(key, str(path)), self_signed=True, source=str(path))


def _pem_blocks(data: bytes) -> list[bytes]:
    blocks, current = [], []
    for line in data.splitlines(keepends=True):
        current.append(line)
        if line.startswith(b"-----END "):
            blocks.append(b"".join(current))
            current = []
    return blocks


def _create_local_identity(path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, LOCAL_ORGANIZATION)])

    def usage(**allowed: bool) -> x509.KeyUsage:
        flags = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                               "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
        return x509.KeyUsage(**{**flags, **allowed})

    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = name(f"talking-avatar local root ({user})")
    valid = dict(not_valid_before=now - datetime.timedelta(days=1), not_valid_after=now + datetime.timedelta(days=3650))
    root = (x509.CertificateBuilder(subject_name=root_name, issuer_name=root_name, public_key=root_key.public_key(),
                                    serial_number=x509.random_serial_number(), **valid)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    signer = (x509.CertificateBuilder(subject_name=name(f"talking-avatar signer ({user})"), issuer_name=root_name,
                                      public_key=key.public_key(), serial_number=x509.random_serial_number(), **valid)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(usage(digital_signature=True), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
              .sign(root_key, hashes.SHA256()))
    pem = (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
           + signer.public_bytes(serialization.Encoding.PEM) + root.public_bytes(serialization.Encoding.PEM))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".identity.", dir=path.parent)  # 0600: it holds a private key
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        try:
            os.link(tmp, path)  # the first process to get here wins; the others use its identity
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError as exc:
        raise AvatarError(path, f"cannot create the local signing identity: {exc.strerror or exc}") from None


def credentials_manifest(*, title: str, portrait_sha256: str, input_hash: str, voice: str,
                         identity: Identity) -> dict[str, Any]:
    """The C2PA manifest definition for one video."""
    import avatar

    agent = {"name": "talking-avatar", "version": avatar.__version__}
    return {
        "claim_generator_info": [agent],
        "title": title,
        "format": "video/mp4",
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{
                "action": "c2pa.created",
                "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                "softwareAgent": agent,
                "description": "A presenter synthesised from one portrait photo speaks a script with a "
                               "synthetic or recorded voice",
            }]}},
            {"label": INPUTS_LABEL, "data": {
                "script_title": title,
                "portrait_sha256": portrait_sha256,
                "input_hash": input_hash,
                "voice": voice,
                "signer": "self-signed local identity" if identity.self_signed else "user-configured identity",
            }},
        ],
    }


def sign_mp4(source: Path, destination: Path, manifest: dict[str, Any], identity: Identity) -> None:
    """Write `source` with the manifest signed and embedded to `destination` (a different file)."""
    import c2pa

    info = c2pa.C2paSignerInfo(alg=identity.algorithm.encode(), sign_cert=identity.chain,
                               private_key=identity.key, ta_url=None)
    try:
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(json.dumps(manifest)) as builder, \
                open(source, "rb") as src, open(destination, "w+b") as dst:
            builder.sign(signer, "video/mp4", src, dst)
    except c2pa.C2paError as exc:
        raise AvatarError(identity.source, f"C2PA signing failed: {str(exc).splitlines()[0] if str(exc) else exc}") from None


def read_credentials(path: str | os.PathLike) -> dict[str, Any]:
    """The active manifest of a file, with the reader's validation state (``validation_state``)."""
    import c2pa

    try:
        with c2pa.Reader(str(path)) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        raise AvatarError(path, f"no readable content credentials ({exc})") from None
    active = store["manifests"][store["active_manifest"]]
    return {**active, "validation_state": store.get("validation_state"),
            "validation_status": store.get("validation_status", [])}
