#!/usr/bin/env bash
# Development build of the addon from a chosen subset of kernel files, into OUT_DIR, so that
# kernels can be worked on independently:   scripts/dev-addon.sh OUT_DIR native/gemm.cc ...
# Then run tests with LMLAB_ADDON=OUT_DIR/lmlab_native.node. `npm ci` builds the real addon.
set -euo pipefail
out=$1; shift
cd "$(dirname "$0")/.."
mkdir -p "$out"
g++ -std=c++17 -O3 -march=native -fno-math-errno -fno-trapping-math -pthread -shared -fPIC \
  -DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -I/usr/include/node -Inode_modules/node-addon-api -Inative \
  native/addon.cc native/pool.cc "$@" -o "$out/lmlab_native.node"
echo "built $out/lmlab_native.node"
