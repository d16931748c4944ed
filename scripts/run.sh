#!/usr/bin/env bash
# make run: MariaDB + Redis, migrations, demo data, the local WeChat stand-in, and the API server
# on :8080. Ctrl-C stops the server and the stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
set -a
# shellcheck disable=SC1091
. ./.env.dev
set +a
export HX_MYSQL_AUTO_MIGRATE=${HX_MYSQL_AUTO_MIGRATE:-true}
export HX_WECHAT_MINIPROGRAM_STATE=${HX_WECHAT_MINIPROGRAM_STATE:-developer}
export HX_HTTP_ADDR=${HX_HTTP_ADDR:-:8080}
# The stand-in also plays the district's official account (its defaults), so notices show the
# official-account channel in dev: follow with POST /__fake/followers, then deliver the follow
# event with POST /__fake/callbacks/deliver to http://127.0.0.1:8080/wechat/oa/callback.
export HX_WECHAT_OA_APPID=${HX_WECHAT_OA_APPID:-wxoadev00000000000}
export HX_WECHAT_OA_SECRET=${HX_WECHAT_OA_SECRET:-devoasecret}
export HX_WECHAT_OA_TOKEN=${HX_WECHAT_OA_TOKEN:-devoatoken}
fake_addr=${HX_WECHAT_API_BASE#http://}

mkdir -p bin
go build -o bin/server ./cmd/server
go build -o bin/wxfake ./cmd/wxfake
bin/server migrate
bin/server seed

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

if curl -fsS "http://$fake_addr/__fake/healthz" >/dev/null 2>&1; then
	echo "run: WeChat stand-in already listening on $fake_addr"
	if ! curl -fsS "http://$fake_addr/__fake/" 2>/dev/null | grep -q '"consent":"auto"'; then
		echo "run: warning: that stand-in counts subscribe consents (not started with -consent auto): pushes get 43101" \
			"unless you grant consents with POST http://$fake_addr/__fake/consent" >&2
	fi
else
	mkdir -p var
	# -consent auto: a dev user always consents to subscribe messages. The mini program reports
	# consents to our server only (as on real WeChat, where the phone's client tells WeChat), so a
	# counting stand-in would refuse the first push with 43101 and zero the server's counts.
	bin/wxfake -addr "$fake_addr" -consent auto >var/wxfake.log 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do curl -fsS "http://$fake_addr/__fake/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
	echo "run: WeChat stand-in on $fake_addr (log: var/wxfake.log)"
fi

port=${HX_HTTP_ADDR##*:}
cat <<MSG

huixiang is starting on http://127.0.0.1:$port  (API docs: http://127.0.0.1:$port/openapi.yaml)

Sign in as a mini-program user (the stand-in mints a single-use wx.login code):
  code=\$(curl -s -XPOST http://$fake_addr/__fake/login-code -d '{"openid":"demo-returnee-1"}' | sed 's/.*"code":"\([^"]*\)".*/\1/')
  curl -s -XPOST http://127.0.0.1:$port/api/v1/auth/login -d "{\"code\":\"\$code\"}"

The WeChat stand-in's control endpoints (all listed by: curl -s http://$fake_addr/__fake/):
  POST /__fake/login-code  {"openid":"..."}        a single-use wx.login code
  POST /__fake/phone-code  {"phone":"13800138000"}  a single-use getPhoneNumber code (POST /api/v1/me/phone)
  POST /__fake/consent     {"openid":"...","template_id":"...","count":1}  subscribe consents
                           (make run starts it with -consent auto: every signed-in user consents)
  GET  /__fake/messages                             the subscribe messages sent so far

The staff console: open http://127.0.0.1:$port/console/ in a browser and sign in as admin
(password: HX_ADMIN_BOOTSTRAP_PASSWORD in .env.dev; the demo accounts demo_hrss (区人社局),
demo_guanbuqiao and demo_heshengqiao (township clerks) share it). The seed above printed demo
voucher codes to try at /console/verify.

The same accounts sign in to the JSON admin API:
  curl -s -XPOST http://127.0.0.1:$port/admin/api/v1/auth/login \\
       -d "{\"username\":\"admin\",\"password\":\"\$(grep ^HX_ADMIN_BOOTSTRAP_PASSWORD= .env.dev | cut -d= -f2)\"}"

MSG
bin/server &
pids+=($!)
wait "${pids[-1]}"
