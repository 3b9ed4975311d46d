#!/usr/bin/env bash
# Replays a pull request against the sample manifests repo and runs the msk-gitops action's commands on it, as
# action.yml does (without GitHub): validate, policy, diff, comment.
#
#   examples/pr-demo.sh            # the comment is written to ./pr-demo-comment.md
#   MSK_GITOPS="node bin/msk-gitops.js" examples/pr-demo.sh
#
# The pull request: the LMS team adds a course-events topic and widens its app from one topic to every "lms-" topic;
# someone adds a reporting app that reads everything with a two-letter prefix and an All grant; ticketing is
# decommissioned (its topic removed without the deletion opt-in); and a debugging ACL for User:* slips in.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tool="${MSK_GITOPS:-node $here/../bin/msk-gitops.js}"
out="${1:-$PWD/pr-demo-comment.md}"
repo="$(mktemp -d)"
trap 'rm -rf "$repo"' EXIT

export GIT_AUTHOR_NAME=demo GIT_AUTHOR_EMAIL=demo@example.com GIT_COMMITTER_NAME=demo GIT_COMMITTER_EMAIL=demo@example.com
export GIT_AUTHOR_DATE=2026-01-15T10:00:00Z GIT_COMMITTER_DATE=2026-01-15T10:00:00Z

cp -r "$here/manifests-repo/." "$repo/"
cd "$repo"
git init -q --initial-branch=main
git add -A && git commit -qm "manifests as on main"
git checkout -qb lms-course-events

# --- the pull request -------------------------------------------------------------------------------------------
sed -i 's/topics: \[lms-users-acls, pos-users-acls, ticketing-users-acls\]/topics: [lms-users-acls, lms-course-events, pos-users-acls]/' desired-state/settings.yaml
sed -i 's/principals: \[User:central-user,/principals: [User:*, User:reporting-user, User:central-user,/' desired-state/settings.yaml
sed -i 's/users: \[central-user,/users: [reporting-user, central-user,/' desired-state/settings.yaml
python3 - <<'EOF'
import re
path = 'desired-state/topics.yaml'
text = open(path).read()
text = text[: text.index('  ticketing-users-acls:')].rstrip() + '\n'
text += """
  lms-course-events:
    description: course enrolments and completions, for the LMS
    partitions: 3
    replicationFactor: 2
    config:
      retention.ms: 1209600000 # 14 days
"""
open(path, 'w').write(text)
EOF
git rm -q desired-state/apps/ticketing.yaml
sed -i 's/produces: \[lms-users-acls, pos-users-acls, ticketing-users-acls\]/produces: [lms-users-acls, pos-users-acls]/' desired-state/apps/central.yaml
sed -i 's/      - topic: lms-users-acls/      - topic: lms-\n        pattern: prefixed/' desired-state/apps/lms.yaml
cat > desired-state/apps/reporting.yaml <<'EOF'
# Nightly reports across the LMS and POS topics.

users:
  reporting-user:
    mechanism: SCRAM-SHA-512

acls:
  - principal: User:reporting-user
    resource: { type: topic, name: po, pattern: prefixed }
    operations: [Read, Describe]
  - principal: User:reporting-user
    resource: { type: group, name: reporting-group }
    operations: [All]
  # temporary, for debugging
  - principal: User:*
    resource: { type: topic, name: lms-users-acls }
    operations: [Describe]
EOF
git add -A && git commit -qm "lms course events, reporting, ticketing decommissioned"

# --- what the action runs ---------------------------------------------------------------------------------------
set +e
echo "\$ msk-gitops validate desired-state"
$tool validate desired-state; echo "(exit $?)"
echo
echo "\$ msk-gitops policy desired-state --base main --head HEAD"
$tool policy desired-state --base main --head HEAD; echo "(exit $?)"
echo
echo "\$ msk-gitops diff desired-state --base main --head HEAD"
$tool diff desired-state --base main --head HEAD; echo "(exit $?)"
echo
echo "\$ msk-gitops comment desired-state --base main --head HEAD --output $out"
$tool comment desired-state --base main --head HEAD --output "$out" ${MSK_GITOPS_LIVE_FLAGS:-}; echo "(exit $?)"
