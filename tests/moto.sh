# Sourced by tests/run.sh and benches/run-all.sh (from the repository's root): the .venv
# both need, and a moto server on a free loopback port that stops when the sourcing script
# exits.

# Installs .venv (moto server, cfn-lint, cargo-lambda with zig, the SAM CLI, schemathesis)
# unless it is there.
ensure_venv() {
  if [ ! -x .venv/bin/moto_server ] || [ ! -x .venv/bin/cfn-lint ] || [ ! -x .venv/bin/cargo-lambda ] \
     || [ ! -x .venv/bin/sam ] || [ ! -x .venv/bin/schemathesis ]; then
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]' cfn-lint cargo-lambda ziglang aws-sam-cli schemathesis
  fi
}

# Starts moto server, logging to $1; sets moto_port and moto_pid and waits until it answers.
start_moto() {
  moto_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  .venv/bin/moto_server -H 127.0.0.1 -p "$moto_port" >"$1" 2>&1 &
  moto_pid=$!
  trap 'kill $moto_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && break
    sleep 0.2
  done
}
