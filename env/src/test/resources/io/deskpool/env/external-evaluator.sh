#!/bin/sh
# A stand-in for an OSWorld Python metric, used by the env tests: reads the request JSON on stdin and
# prints a score. Metric "file_says_yes": 1 when the fetched result file contains "yes". "sleep_forever"
# never answers; "crash" exits 3 with a message on stderr; "no_score" prints words.
req=$(cat)
case "$req" in
  *'"func":"file_says_yes"'*)
    path=$(printf '%s' "$req" | sed -n 's/.*"result":"\([^"]*\)".*/\1/p')
    if [ -n "$path" ] && grep -q yes "$path"; then echo 1.0; else echo '{"score": 0}'; fi ;;
  *'"func":"sleep_forever"'*) sleep 600 ;;
  *'"func":"crash"'*) echo "metric blew up" >&2; exit 3 ;;
  *'"func":"no_score"'*) echo "I think it worked" ;;
  *) echo "unknown metric" >&2; exit 2 ;;
esac
