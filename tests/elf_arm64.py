"""Fails unless each file given is an AArch64 ELF executable — what Lambda's arm64 runs
(tests/run.sh checks the bootstrap `sam build` made)."""
import struct
import sys

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        head = f.read(20)
    machine = struct.unpack_from("<H", head, 18)[0] if len(head) == 20 else None
    if head[:4] != b"\x7fELF" or machine != 0xB7:
        sys.exit(f"{path}: not an arm64 ELF executable")
    print(f"{path}: arm64 ELF, ready for Lambda's provided.al2023")
