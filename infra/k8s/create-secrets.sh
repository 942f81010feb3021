#!/usr/bin/env bash
# Creates the Secrets of the app in a namespace, with fresh random values, unless they exist:
#   infra/k8s/create-secrets.sh <namespace> <stripe secret key> [<SMTP URL> [<Stripe webhook secret>]]
# (dev: default and sk_test_…; staging: gittix-staging and sk_test_…; prod: gittix and
# sk_live_…). The SMTP URL (smtp:// with the user and password before the host, port 587; or
# smtps://, port 465) is where
# notifications sends its emails; without one, a placeholder that fails every send (the
# emails wait in notifications' sent-log) until you replace the Secret smtp-secret. The webhook
# secret (whsec_…) is the signing secret of the endpoint https://<host>/api/payments/webhook in
# Stripe's dashboard; without it every notice is refused until you set it in stripe-secret. Each environment gets its own values: staging and prod never share a key.
# Passwords are hex, so they are safe inside the URLs the services build from them.
set -euo pipefail
ns=${1:?usage: $0 <namespace> <stripe secret key>}
stripe=${2:?usage: $0 <namespace> <stripe secret key> [<SMTP URL>]}
smtp=${3:-smtp://smtp.invalid:587}
whsec=${4:-whsec_unset}
rand() { openssl rand -hex 32; }
create() { # name key=value...
	local name=$1
	shift
	if kubectl --namespace "$ns" get secret "$name" >/dev/null 2>&1; then
		echo "secret $name exists in $ns: kept"
		return
	fi
	local args=()
	for kv in "$@"; do args+=(--from-literal="$kv"); done
	kubectl --namespace "$ns" create secret generic "$name" "${args[@]}"
}
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
create jwt-secret "JWT_KEY=$(rand)"
create stripe-secret "STRIPE_KEY=$stripe" "STRIPE_WEBHOOK_SECRET=$whsec"
create smtp-secret "SMTP_URL=$smtp"
for svc in auth tickets orders payments notifications; do
	create "$svc-mongo-secret" "MONGO_INITDB_ROOT_PASSWORD=$(rand)" "MONGO_PASSWORD=$(rand)"
done
create expiration-redis-secret "REDIS_PASSWORD=$(rand)"
create nats-secret "NATS_STAN_PASSWORD=$(rand)" "NATS_AUTH_PASSWORD=$(rand)" "NATS_TICKETS_PASSWORD=$(rand)" \
	"NATS_ORDERS_PASSWORD=$(rand)" "NATS_EXPIRATION_PASSWORD=$(rand)" "NATS_PAYMENTS_PASSWORD=$(rand)" \
	"NATS_NOTIFICATIONS_PASSWORD=$(rand)"
