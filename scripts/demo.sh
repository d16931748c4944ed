#!/usr/bin/env bash
# scripts/demo.sh: a walk through the main journeys with curl, against a running server and its
# WeChat stand-in (`make run` starts both and seeds the demo accounts, perks and event):
#
#   a returnee signs in, binds a phone, registers with a business, applies for the start-up
#   subsidy with three attachments; the township (demo_guanbuqiao) and the district department
#   (demo_hrss) approve it and the administrator records the payment. The same person registers
#   as an alumnus, is approved, checks in at the demo event, is granted points, redeems a perk,
#   and demo_hrss verifies the voucher. 楚商回乡: the same person lists the published projects,
#   registers as a merchant, sees the tea project recommended and says 感兴趣.
#
# Every step prints what it did; the script stops at the first answer it did not expect.
# It needs bash, curl, sed, grep and base64 only. Each run uses a new WeChat user and new sample
# numbers (ID numbers with a valid GB 11643 check digit, 统一社会信用代码 with a valid GB 32100
# check character), so it can run again on the same database.
#
# Environment:
#   HX_DEMO_URL                   the server (default http://127.0.0.1:8080)
#   HX_DEMO_WXFAKE_URL            the WeChat stand-in (default http://127.0.0.1:9099)
#   HX_ADMIN_BOOTSTRAP_PASSWORD   the password of admin and the demo staff (read from .env.dev
#                                 when it is not set)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${HX_ADMIN_BOOTSTRAP_PASSWORD:-}" ] && [ -f "$root/.env.dev" ]; then
	HX_ADMIN_BOOTSTRAP_PASSWORD=$(sed -n 's/^HX_ADMIN_BOOTSTRAP_PASSWORD=//p' "$root/.env.dev" | head -n1)
fi
: "${HX_ADMIN_BOOTSTRAP_PASSWORD:?is needed: the password of admin and the demo staff}"
api=${HX_DEMO_URL:-http://127.0.0.1:8080}
fake=${HX_DEMO_WXFAKE_URL:-http://127.0.0.1:9099}
pw=$HX_ADMIN_BOOTSTRAP_PASSWORD

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hx-demo.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

step() { printf '\ndemo: %s\n' "$*"; }
die() {
	printf 'demo: FAILED: %s\n' "$*" >&2
	exit 1
}

# jget FIELD: the first value of "FIELD" (a string or a number) in the JSON on stdin.
jget() {
	grep -o "\"$1\":\(\"[^\"]*\"\|-\?[0-9][0-9]*\)" | head -n1 | sed 's/^"[^"]*"://; s/^"//; s/"$//' || true
}

# call WANT METHOD PATH TOKEN [BODY] [HEADER]: the JSON answer on stdout; dies unless the status
# is WANT.
call() {
	local want=$1 method=$2 path=$3 token=$4 body=${5:-} header=${6:-} status
	local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$method")
	[ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
	[ -n "$header" ] && args+=(-H "$header")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	status=$(curl "${args[@]}" "$api$path") || die "$method $path: no answer from $api"
	if [ "$status" != "$want" ]; then
		die "$method $path: status $status, want $want: $(cat "$tmp/body")"
	fi
	cat "$tmp/body"
}

# staff_login USERNAME: a staff token.
staff_login() {
	call 200 POST /admin/api/v1/auth/login "" "{\"username\":\"$1\",\"password\":\"$pw\"}" | jget token
}

# id_number SEQ: a sample 居民身份证号 of 咸安区 (421202), born on 1 January of a year from SEQ,
# with its check digit.
id_number() {
	local s17 i sum=0 w=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2) check=10X98765432
	s17=$(printf '421202%04d0101%03d' $((1970 + $1 / 1000 % 30)) $(($1 % 1000)))
	for i in $(seq 0 16); do sum=$((sum + ${s17:i:1} * w[i])); done
	printf '%s%s' "$s17" "${check:$((sum % 11)):1}"
}

# uscc SEQ: a sample 统一社会信用代码 of an individual business (92) in 咸安区, with its check
# character.
uscc() {
	local chars=0123456789ABCDEFGHJKLMNPQRTUWXY s17 i c v sum=0 w=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28)
	s17=$(printf '92421202MA4%06d' "$1")
	for i in $(seq 0 16); do
		c=${s17:i:1}
		v=${chars%%"$c"*}
		sum=$((sum + ${#v} * w[i]))
	done
	printf '%s%s' "$s17" "${chars:$(((31 - sum % 31) % 31)):1}"
}

curl -sSf "$api/healthz" >/dev/null || die "no server at $api (start it with make run, or set HX_DEMO_URL)"
curl -sSf "$fake/__fake/healthz" >/dev/null || die "no WeChat stand-in at $fake (set HX_DEMO_WXFAKE_URL)"

seq=$(((RANDOM << 15 | RANDOM) % 900000 + 100000))
openid="o_demo_$seq"
phone=$(printf '139%08d' "$seq")
idcard=$(id_number "$seq")
code=$(uscc "$seq")

step "sign in as a new WeChat user ($openid)"
login_code=$(curl -sSf "$fake/__fake/login-code?openid=$openid" | jget code)
user=$(call 200 POST /api/v1/auth/login "" "{\"code\":\"$login_code\"}" | jget token)
[ -n "$user" ] || die "no session token"
echo "signed in"

step "accept the privacy policy (ID numbers and bank accounts need it)"
privacy=$(call 200 GET /api/v1/me "$user" "" | jget current)
call 204 POST /api/v1/me/privacy-consent "$user" "{\"version\":\"$privacy\"}" >/dev/null
echo "accepted version $privacy"

step "bind the phone $phone"
phone_code=$(curl -sSf "$fake/__fake/phone-code?phone=$phone" | jget code)
call 200 POST /api/v1/me/phone "$user" "{\"code\":\"$phone_code\"}" >/dev/null
echo "phone bound"

step "register as a returnee of 官埠桥镇 with a tea shop (ID $idcard, 统一社会信用代码 $code)"
started=$(date -u -d '-1 month' +%Y-%m-%d 2>/dev/null || date -u -v-1m +%Y-%m-%d)
rec=$(call 200 PUT /api/v1/me/returnee "$user" "{\"name\":\"张演示\",\"id_card\":\"$idcard\",\"township_code\":\"990101\",
\"village_code\":\"990101001\",\"status\":\"returned\",\"left_on\":\"2012-03-01\",\"returned_on\":\"2025-02-01\",
\"work_province\":\"广东省\",\"work_city\":\"东莞市\",\"industry\":\"电子制造\",\"years_away\":12,
\"skills\":[\"electrician\"],\"skills_text\":\"会电焊\",\"certificates\":\"低压电工证\",\"education\":\"senior\",
\"intention\":\"started\",\"intended_fields\":[\"tea\"],\"needs\":[\"funds\"],
\"business\":{\"name\":\"回乡茶叶店\",\"type\":\"individual\",\"uscc\":\"$code\",\"started_on\":\"$started\",\"jobs_created\":3}}")
person=$(jget person_id <<<"$rec")
echo "registered: person $person"

step "apply for the start-up subsidy (一次性创业补贴) with a business licence and both sides of the ID card"
# A 12×12 grey PNG stands in for the photos.
base64 -d >"$tmp/photo.png" <<<'iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAAAAABzHgM7AAAAEklEQVR4nGJiQAKDjAMIAAD//wiIABkE/WOVAAAAAElFTkSuQmCC'
uploads=()
for kind in business_licence id_front id_back; do
	status=$(curl -sS -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $user" \
		-F "kind=$kind" -F "file=@$tmp/photo.png;type=image/png" "$api/api/v1/uploads")
	[ "$status" = 201 ] || die "upload $kind: status $status: $(cat "$tmp/body")"
	uploads+=("\"$(jget id <"$tmp/body")\"")
done
attachments=$(IFS=,; echo "${uploads[*]}")
app=$(call 201 POST /api/v1/applications "$user" "{\"policy\":\"startup_subsidy\",\"bank_name\":\"湖北农信咸安支行\",
\"bank_account\":\"6222021234567890123\",\"jobs_created\":3,\"attachments\":[$attachments]}" "Idempotency-Key: demo-apply-$seq")
app_id=$(jget id <<<"$app")
version=$(jget version <<<"$app")
app=$(call 200 POST "/api/v1/applications/$app_id/submit" "$user" "{\"version\":$version}")
echo "application $app_id: $(jget status <<<"$app")"

step "review 1: the township (demo_guanbuqiao) approves"
town=$(staff_login demo_guanbuqiao)
app=$(call 200 POST "/admin/api/v1/applications/$app_id/review" "$town" "{\"decision\":\"approve\",\"comment\":\"材料齐全\",\"version\":$(jget version <<<"$app")}")
echo "application $app_id: $(jget status <<<"$app")"

step "review 2: the district department (demo_hrss, another account) approves"
hrss=$(staff_login demo_hrss)
app=$(call 200 POST "/admin/api/v1/applications/$app_id/review" "$hrss" "{\"decision\":\"approve\",\"version\":$(jget version <<<"$app")}")
echo "application $app_id: $(jget status <<<"$app")"

step "disburse: the administrator (not the account that approved) records the payment"
admin=$(staff_login admin)
today=$(date -u +%Y-%m-%d)
app=$(call 200 POST "/admin/api/v1/applications/$app_id/disburse" "$admin" "{\"amount_fen\":500000,\"paid_on\":\"$today\",
\"bank_reference\":\"DEMO$seq\",\"version\":$(jget version <<<"$app")}")
echo "application $app_id: $(jget status <<<"$app")"
mine=$(call 200 GET "/api/v1/applications/$app_id" "$user")
[ "$(jget status <<<"$mine")" = disbursed ] || die "the applicant does not see the payment: $mine"
echo "the applicant sees: disbursed"

step "register as an alumnus of 咸安区实验高中; demo_hrss approves"
al=$(call 200 PUT /api/v1/me/alumnus "$user" "{\"name\":\"张演示\",\"id_card\":\"$idcard\",\"school_code\":\"xa_shiyan_gz\",
\"entry_year\":2005,\"graduation_year\":2008,\"current_city\":\"武汉市\",\"organization\":\"回乡茶叶店\",\"industry\":\"茶叶\",
\"title\":\"店主\",\"expertise\":\"茶叶加工\",\"offers\":[\"advice\"],\"directory_consent\":true}")
echo "alumnus: $(jget status <<<"$al")"
al=$(call 200 POST "/admin/api/v1/alumni/$person/review" "$hrss" "{\"decision\":\"approve\",\"version\":$(jget version <<<"$al")}")
echo "alumnus: $(jget status <<<"$al")"

step "check in at the demo event (the QR code staff print)"
events=$(call 200 GET /admin/api/v1/events "$admin")
event=$(sed 's/},{/}\n{/g' <<<"$events" | grep -F '校友返乡座谈会（演示）' | head -n1) || die "no demo event: run server seed"
event_id=$(jget id <<<"$event")
ci=$(call 200 POST "/api/v1/events/$event_id/checkin" "$user" "{\"token\":\"$(jget token <<<"$event")\"}")
echo "checked in at event $event_id: $ci"

step "grant: the administrator grants 50 points for an expert consultation"
call 201 POST /admin/api/v1/points/grants "$admin" "{\"person_id\":$person,\"rule\":\"expert_consultation\",\"reference\":\"DEMO-ZX-$seq\"}" >/dev/null
balance=$(call 200 GET /api/v1/me/points "$user" | jget balance)
echo "balance: $balance points"

step "redeem the training perk (20 points)"
perks=$(call 200 GET /api/v1/perks "$user")
perk=$(sed 's/},{/}\n{/g' <<<"$perks" | grep -F '创业培训课程一期（演示）' | head -n1) || die "no demo perk: run server seed"
voucher=$(call 201 POST "/api/v1/perks/$(jget id <<<"$perk")/redeem" "$user" "" "Idempotency-Key: demo-redeem-$seq")
voucher_code=$(jget code <<<"$voucher")
echo "voucher $voucher_code; balance: $(call 200 GET /api/v1/me/points "$user" | jget balance) points"

step "verify: demo_hrss (区人社局, the perk's provider) verifies the voucher"
call 200 POST /admin/api/v1/vouchers/verify "$hrss" "{\"code\":\"$voucher_code\"}" >/dev/null
call 409 POST /admin/api/v1/vouchers/verify "$hrss" "{\"code\":\"$voucher_code\"}" >/dev/null
echo "verified once; a second verification is refused"

step "楚商回乡: the published investment projects (招商项目) in the mini program"
projects=$(call 200 GET /api/v1/projects "$user")
project=$(sed 's/},{/}\n{/g' <<<"$projects" | grep -F '贺胜桥镇青砖茶精深加工项目' | head -n1) || die "no demo project: run server seed"
project_id=$(jget id <<<"$project")
detail=$(call 200 GET "/api/v1/projects/$project_id" "$user")
echo "published projects: $(jget total <<<"$projects"); project $project_id 贺胜桥镇青砖茶精深加工项目: $(jget status_name <<<"$detail"), contact $(jget contact_department <<<"$detail")"

step "register as a merchant (the person is known: no ID number again), see 为您推荐 and say 感兴趣"
call 200 PUT /api/v1/me/merchant "$user" "{\"township_code\":\"990102\",\"biz_province\":\"广东省\",\"biz_city\":\"深圳市\",
\"industry_code\":\"15\",\"intended_fields\":[\"tea\"],\"amount_band\":\"1000_5000\",\"timing\":\"within_1y\",
\"preferred_township\":\"990102\"}" >/dev/null
echo "merchant registered"
matches=$(call 200 GET /api/v1/me/matches "$user")
sed 's/},{"project"/}\n{"project"/g' <<<"$matches" | grep -q "\"id\":$project_id," || die "project $project_id is not recommended: $matches"
echo "recommended: project $project_id, score $(sed 's/},{"project"/}\n{"project"/g' <<<"$matches" | grep "\"id\":$project_id," | jget score)"
call 201 POST "/api/v1/me/matches/$project_id/interest" "$user" >/dev/null
call 200 POST "/api/v1/me/matches/$project_id/interest" "$user" >/dev/null
echo "interested in project $project_id (said once)"

printf '\ndemo: all journeys done\n'
