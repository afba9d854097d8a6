#!/bin/bash
# Runs the first-hour commands in a fresh clone ($1) whose .venv exists, printing a Markdown transcript.
cd "$1" || exit 1
M=.venv/bin/monitor
export LC_ALL=C.UTF-8  # long lines are cut at 220 characters, not bytes
run() { echo; echo '```'; echo "\$ $*"; eval "$@" 2>&1 | sed -E -e 's/\x1b\[[0-9;]*m//g' -e 's/^(.{220}).*/\1/'; echo "(exit ${PIPESTATUS[0]})"; echo '```'; }
W=$(mktemp -d)
echo "# First run: a transcript"
echo
echo "Produced on a fresh clone with \`docs/first-run.sh\` on $(date -u +%Y-%m-%d); no internet access (feeds fail to resolve and are retried later)."
echo
echo "## make demo"
run "make demo | tail -n 12"
echo
echo "## make run, stopped with SIGTERM after 25 s: the daemon stops cleanly, GNU make re-raises the signal (143)"
run "timeout --preserve-status -s TERM 25 make run 2>&1 | tail -n 5; echo \"make run exited \${PIPESTATUS[0]}\""
echo
echo "## monitor run (what make run starts), stopped with SIGTERM after 25 s"
run "timeout --preserve-status -s TERM 25 $M run; echo \"monitor run exited \$?\""
echo
echo "## help: flags take no value, arguments in capitals"
run "$M poll --help; $M explain --help | head -n 3"
echo
echo "## monitor status (piped: one line per feed)"
run "$M status | head -n 6; $M status | tail -n 7"
echo
echo "## a new database"
printf 'database_url: sqlite:///%s/new.db\nseeds_dir: %s/seeds\ntopics:\n  - name: khan\n    query: Khan\nfeeds: []\n' "$W" "$PWD" > $W/new.yaml
run "$M db upgrade --config $W/new.yaml"
run "$M db downgrade 0008 --config $W/new.yaml"
echo
echo "## five broken configs"
cp config/watchlist.yaml $W/ok.yaml
sed 's/^feeds:/feeds: [/' config/watchlist.yaml > $W/bad-yaml.yaml
sed '0,/^  interval:/s//  intervall:/' config/watchlist.yaml > $W/unknown-key.yaml
sed '0,/schedule: .*/s//schedule: "0 25 * * *"/' config/watchlist.yaml > $W/bad-cron.yaml

sed "s#\"\${MONITOR_EMAIL_URL:-}\"#\"nosuch://token\"#" config/watchlist.yaml > $W/bad-apprise.yaml
sed 's/\${MONITOR_EMAIL_URL:-}/${MONITOR_EMAIL_URL}/' config/watchlist.yaml > $W/missing-var.yaml
for f in bad-yaml unknown-key bad-cron bad-apprise missing-var; do run "$M check-config --config $W/$f.yaml"; done
echo
echo "## OPML import with an outline that is not a feed"
printf '<opml version="2.0"><body><outline text="Desk" xmlUrl="https://a.example/rss"/><outline text="Old FTP" xmlUrl="ftp://b.example/feed"/></body></opml>' > $W/subs.opml
run "$M feeds import $W/subs.opml --config $W/new.yaml"
echo
echo "## the other commands of the README, on the shipped watchlist"
printf '<html><head><title>Court adjourns appeal</title></head><body><article><h1>Court adjourns appeal</h1><p>The Islamabad High Court on Monday adjourned the hearing of Imran Khan'"'"'s appeal to December 3 after the prosecution asked for more time.</p></article></body></html>' > $W/article.html
head -n 4 tests/data/novelty/stream.jsonl > $W/stream.jsonl
run "$M poll --once 2>&1 | tail -n 2"
run "$M digest briefing --dry-run --format text | head -n 8"
run "$M seeds list"
run "$M prune"
run "$M feed --out $W/feed.xml --days 7 && head -c 300 $W/feed.xml; echo"
run "$M replay $W/stream.jsonl --out $W/out.jsonl"
run "$M explain $W/article.html | head -n 12"
run "$M feeds show Dawn | head -n 8"
run "$M feeds enable Dawn"
run "$M feeds export --out $W/feeds.opml && head -c 300 $W/feeds.opml; echo"
echo
echo "## make test"
run "make test 2>&1 | tail -n 4"
echo
echo "## test-notify on a channel that refuses"
printf 'channels:\n  - name: mail\n    url: mailto://u:secret@127.0.0.1:9?mode=insecure&from=a@example.com&to=b@example.com\n' >> $W/new.yaml
run "$M test-notify mail --config $W/new.yaml"
rm -rf "$W"
