"""The API tests' token and lead fixtures, for the security tests that call the API; a multipart body."""
from tests.api.conftest import make_lead, make_token, token  # noqa: F401  (fixtures, reused as they are)


def multipart(fields: dict[str, str], filename: str, content: bytes) -> bytes:
    """A multipart body built in memory (the test client would spool a large one to a file it never closes)."""
    parts = [f'--grens\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--grens\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + b"--grens--\r\n"
