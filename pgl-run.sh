#!/bin/bash
# usage: pgl-run.sh MAXCONN K
node pgl-exp.mjs memory:// $1 > /tmp/pglrun.log 2>&1 &
SP=$!
for i in $(seq 50); do (echo > /dev/tcp/127.0.0.1/55432) 2>/dev/null && break; sleep 0.2; done
timeout 100 node pgl-conc.mjs $2 > /tmp/pglconc.out 2>&1; grep -v "^    at " /tmp/pglconc.out | head -40
kill $SP; wait $SP 2>/dev/null
