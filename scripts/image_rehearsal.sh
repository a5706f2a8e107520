#!/usr/bin/env bash
# Build and start the Docker image where no Docker engine runs and no registry answers (this
# project's build machines): buildah builds the same Dockerfile, in Docker format, on a
# stand-in for python:3.11-slim (Debian bookworm's own Python 3.11 from debootstrap, tagged with
# that name locally), then the image's command serves the app and its health endpoint is asked.
# Where Docker runs, use README.md's `docker build` instead: it takes the real base image.
# Needs root, Debian's buildah and debootstrap (apt-get install buildah debootstrap) and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${TMPDIR:-/tmp}/service-gap-image"
export STORAGE_DRIVER=vfs
mkdir -p "$work"
if [ ! -x "$work/rootfs/usr/bin/python3" ]; then
  debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
    bookworm "$work/rootfs" http://deb.debian.org/debian
fi
root="$work/rootfs"
ln -sf /usr/bin/python3 "$root/usr/local/bin/python"
ln -sf /usr/bin/pip3 "$root/usr/local/bin/pip"
rm -f "$root/usr/lib/python3.11/EXTERNALLY-MANAGED"  # the real base's pip installs system-wide
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"  # this machine's TLS proxy CA
base=$(buildah from scratch)
cp -a "$root/." "$(buildah mount "$base")/"
buildah config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin "$base"
buildah commit -q --rm "$base" docker.io/library/python:3.11-slim >/dev/null
buildah bud --pull=never --isolation chroot --format docker -t service-gap-sim .
buildah inspect --format 'user={{.Docker.Config.User}} volumes={{.Docker.Config.Volumes}}' \
  localhost/service-gap-sim
echo
app=$(buildah from -q localhost/service-gap-sim)
# The command line is installed: its console script runs from any directory.
buildah run --isolation chroot "$app" -- sh -c 'cd / && service-gap --help >/dev/null' ||
  { buildah rm "$app" >/dev/null; exit 1; }
port=8599
buildah run --isolation chroot --network host "$app" -- streamlit run app.py \
  --server.address=127.0.0.1 --server.port=$port --server.headless=true &
server=$!
# Stop the app inside (killing `buildah run` itself makes buildah panic), then the container.
trap 'pkill -f "server.port=$port" || true; wait $server || true; buildah rm "$app" >/dev/null' EXIT
for _ in $(seq 60); do
  if curl -fsS "http://127.0.0.1:$port/_stcore/health"; then echo; exit 0; fi
  sleep 1
done
echo "the image's server did not answer its health check" >&2
exit 1
