# Sourced by the bench scripts. The router binds its addressed socket at --bind port + 1, so a
# ZeroMQ port for it must have a free successor.

# Prints a free loopback port whose successor is free too.
free_port_pair() {
  python3 - <<'PY'
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); port = a.getsockname()[1]
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", port + 1))
        print(port)
        break
    except OSError:
        pass
    finally:
        a.close(); b.close()
PY
}
