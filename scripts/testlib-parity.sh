#!/usr/bin/env bash
# Compiles testlib's standard checkers (checkers/*.cpp of a testlib checkout) twice, once with
# that checkout's testlib.h and once with lmlab's own (native/programs/testlib.h), runs both on
# the same input/output/answer triples and reports every difference in exit code or message.
# Usage: scripts/testlib-parity.sh TESTLIB_CHECKOUT   (exit 0 when everything agrees)
set -euo pipefail
checkout=${1:?usage: scripts/testlib-parity.sh TESTLIB_CHECKOUT}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/theirs" "$work/ours" "$work/cases"
cp "$checkout/testlib.h" "$work/theirs/testlib.h"
cp "$here/native/programs/testlib.h" "$work/ours/testlib.h"
checkers="wcmp ncmp lcmp fcmp rcmp4 rcmp6 rcmp9 yesno nyesno hcmp uncmp dcmp icmp"
for c in $checkers; do
  for side in theirs ours; do
    cp "$checkout/checkers/$c.cpp" "$work/$side/$c.cpp"
    g++ -std=c++17 -O1 -w -o "$work/$side/$c" "$work/$side/$c.cpp" -I "$work/$side" 2>"$work/$side/$c.log" || { echo "COMPILE FAIL $side $c"; head -5 "$work/$side/$c.log"; exit 1; }
  done
done
# Cases: name|output|answer (printf escapes). Each checker meets every case.
cases=(
  'same-ints|1 2 3\n|1 2 3\n'
  'diff-int|1 2 4\n|1 2 3\n'
  'extra-token|1 2 3 4\n|1 2 3\n'
  'missing-token|1 2\n|1 2 3\n'
  'empty-output||1 2 3\n'
  'leading-zero|01\n|1\n'
  'minus-zero|-0\n|0\n'
  'not-a-number|abc\n|5\n'
  'big-int|123456789012345678901234567890\n|123456789012345678901234567890\n'
  'overflow|9223372036854775808\n|1\n'
  'float-close|3.1415926\n|3.14159265\n'
  'float-far|3.15\n|3.14159265\n'
  'float-exp|1e-7\n|0\n'
  'float-nan|nan\n|1.0\n'
  'float-inf|inf\n|1e308\n'
  'yes|YES\n|yes\n'
  'yes-no|YES\nNO\nyes\n|YES\nno\nYES\n'
  'yes-wrong|Maybe\n|YES\n'
  'lines-same|hello world\nfoo  bar\n|hello world\nfoo bar\n'
  'lines-diff|hello world\nfoo baz\n|hello world\nfoo bar\n'
  'lines-short|hello world\n|hello world\nfoo bar\n'
  'lines-extra|a\nb\nc\n|a\nb\n'
  'crlf|1 2\r\n3\r\n|1 2\n3\n'
  'unordered|3 1 2\n|1 2 3\n'
  'trailing-space|1 2 3   \n\n\n|1 2 3\n'
  'no-newline|42|42\n'
  'huge-neg|-123456789123456789123\n|-123456789123456789123\n'
  'bad-answer|1\n|x\n'
)
total=0
differ=0
for entry in "${cases[@]}"; do
  IFS='|' read -r name out ans <<<"$entry"
  printf '%b' "" >"$work/cases/$name.in"
  printf '%b' "$out" >"$work/cases/$name.out"
  printf '%b' "$ans" >"$work/cases/$name.ans"
  for c in $checkers; do
    total=$((total + 1))
    set +e
    "$work/theirs/$c" "$work/cases/$name.in" "$work/cases/$name.out" "$work/cases/$name.ans" 2>"$work/t.err" >/dev/null; t=$?
    "$work/ours/$c" "$work/cases/$name.in" "$work/cases/$name.out" "$work/cases/$name.ans" 2>"$work/o.err" >/dev/null; o=$?
    set -e
    tm=$(sed 's/\x1b\[[0-9;]*m//g' "$work/t.err" | tr -d '\r' | sed '/^$/d')
    om=$(sed '/^$/d' "$work/o.err")
    if [[ $t != "$o" || "$tm" != "$om" ]]; then
      differ=$((differ + 1))
      echo "DIFF $c on $name: testlib exit $t '$tm' | lmlab exit $o '$om'"
    fi
  done
done
echo "testlib parity: $((total - differ)) of $total checker runs agree (exit code and message), $differ differ"
[[ $differ -eq 0 ]]
