#!/usr/bin/env bash
# tests/faults/damage_outbox.sh OUTBOX TAG: damage a stopped collector's
# outbox (scenario 7 of run.sh) the way a bad disk would, in two records
# whose note starts with "TAG ", and print those two notes, one a line:
#
#   1. a bit flipped in the note of a record in the middle of the file;
#   2. the record stored last in the file cut short: its note's bytes
#      from the third on are zeros, as if that write never finished.
#
# The outbox is one SQLite database (client/wdm_outbox.c), outbox.db; SQLite
# does not checksum payloads, the outbox's per-record CRC finds both.  The
# collector must be stopped cleanly (its WAL written back into outbox.db
# and removed), so that every record is in outbox.db exactly once; a note
# found twice in the file (a page SQLite had not yet overwritten) is
# passed over.  Exit 1 with a message if the outbox is not in that state.
set -u
outbox=$1 tag=$2
db=$outbox/outbox.db
[ -f "$db" ] || { echo "damage_outbox: no $db" >&2; exit 1; }
if [ -s "$db-wal" ]; then
    echo "damage_outbox: $db-wal is not empty: the collector was not stopped cleanly" >&2
    exit 1
fi
# offset:note of every note found exactly once, in file order.  A note is
# a MessagePack string: its header byte (0xa0 + its length) comes first,
# and it is matched with exactly that many bytes.  "$tag [0-9]*" alone
# ran on into a digit stored after the string: once it took "s7 408"
# followed by the byte '9' for "s7 4089", and zeroing it damaged
# another record's bytes, not that note.
pattern=
for digits in 1 2 3 4 5 6 7 8; do
    pattern+="${pattern:+|}$(printf '\\x%02x' $(( 0xa0 + ${#tag} + 1 + digits )))$tag [0-9]{$digits}"
done
mapfile -t notes < <(LC_ALL=C grep -aboP "$pattern" "$db" \
    | LC_ALL=C awk -F: '{ note = substr ($2, 2); offset [note] = $1 + 1; count [note]++; order [NR] = note }
               END { for (i = 1; i <= NR; i++) if (count [order [i]] == 1) print offset [order [i]] ":" order [i] }')
[ ${#notes[@]} -ge 3 ] || { echo "damage_outbox: fewer than 3 records of '$tag' in $db" >&2; exit 1; }

flip=${notes[$(( ${#notes[@]} / 2 ))]}
flip_at=$(( ${flip%%:*} + ${#tag} + 1 ))       # the first digit of the note's number
byte=$(od -An -tu1 -j "$flip_at" -N1 "$db" | tr -d ' ')
printf "$(printf '\\%03o' $(( byte ^ 4 )))" | dd of="$db" bs=1 seek="$flip_at" conv=notrunc status=none

torn=${notes[-1]}
torn_note=${torn#*:}
dd if=/dev/zero of="$db" bs=1 seek=$(( ${torn%%:*} + 2 )) count=$(( ${#torn_note} - 2 )) conv=notrunc status=none

echo "${flip#*:}"
echo "$torn_note"
