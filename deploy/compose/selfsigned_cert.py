"""Write a self-signed TLS certificate for the compose stack's nginx, unless one exists.

    python selfsigned_cert.py DIRECTORY HOST

writes ``DIRECTORY/shop.key`` and ``DIRECTORY/shop.crt`` (an EC P-256 key; the
certificate names HOST, and 127.0.0.1 when HOST is a ``localhost`` name) and leaves them
alone when both are already there, so a certificate of your own put in the volume is
kept. The production profile redirects plain HTTP to HTTPS and sets ``__Host-`` cookies,
so even a laptop stack needs TLS; browsers will ask you to accept this certificate once.

Runs with the app image's Python (``cryptography`` comes with PyJWT[crypto]).
"""

import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 365


def certificate_for(host, key, now):
    names = [x509.DNSName(host)]
    if host == "localhost" or host.endswith(".localhost"):
        names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def main(directory, host):
    directory = Path(directory)
    key_path, cert_path = directory / "shop.key", directory / "shop.crt"
    if key_path.exists() and cert_path.exists():
        print(f"keeping the certificate in {cert_path}")
        return 0
    key = ec.generate_private_key(ec.SECP256R1())
    cert = certificate_for(host, key, datetime.datetime.now(datetime.UTC))
    directory.mkdir(parents=True, exist_ok=True)
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    print(f"wrote a self-signed certificate for {host} to {cert_path}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
