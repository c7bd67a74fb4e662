#!/usr/bin/env bash
# litellm.sh start|stop: the pinned LiteLLM (or LITELLM=<bin>) on 127.0.0.1:18440,
# its Anthropic deployments (canonical ids) and the /anthropic pass-through
# both pointed at a recorder on 127.0.0.1:18432 (upstream.log). Hermetic env
# as compat-core/src/gateway/mod.rs HERMETIC_ENV; fake keys only.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-/tmp/modes/out}; mkdir -p "$OUT"
LITELLM=${LITELLM:-$HOME/.cache/claude-compat-matrix/litellm-1.108.7/bin/litellm}
case "$1" in
start)
  rm -f "$OUT/upstream.log"
  python3 "$HERE/recorder.py" 18432 "$OUT/upstream.log" & echo $! > "$OUT/rec.pid"
  cat > "$OUT/litellm.yaml" <<'YAML'
model_list:
  - model_name: claude-haiku-4-5
    litellm_params: {model: anthropic/claude-haiku-4-5-20251001, api_base: "http://127.0.0.1:18432", api_key: sk-ant-upstream-fake, use_in_pass_through: true}
  - model_name: claude-sonnet-4-6
    litellm_params: {model: anthropic/claude-sonnet-4-6, api_base: "http://127.0.0.1:18432", api_key: sk-ant-upstream-fake}
  # Claude Platform on AWS (LiteLLM's bedrock/claude_platform/ provider).
  - model_name: claude-opus-4-7
    litellm_params: {model: bedrock/claude_platform/claude-opus-4-7, api_base: "http://127.0.0.1:18432/aws", api_key: aws-platform-key-fake, workspace_id: wrkspc_gateway, aws_region_name: us-east-1}
  - model_name: gpt-4o-mini
    litellm_params: {model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:18432/v1", api_key: sk-openai-fake}
router_settings: {num_retries: 0}
litellm_settings: {num_retries: 0}
YAML
  # GW=1: LiteLLM's Claude Code gateway protocol under /claude_code_gateway
  # (proxy/anthropic_endpoints/gateway_endpoints.py).
  [ -n "${GW:-}" ] && printf 'general_settings:\n  enable_claude_code_gateway: true\n  claude_code_gateway_managed_settings: {env: {CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY: "1"}}\n' >> "$OUT/litellm.yaml"
  ( env -i PATH=/usr/bin:/bin HOME=/tmp/modes/lhome LITELLM_MASTER_KEY=sk-litellm-master-fake PYTHONUNBUFFERED=1 \
      LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS=True LITELLM_LOCAL_BLOG_POSTS=True \
      LITELLM_LOCAL_POLICY_TEMPLATES=True LITELLM_LOCAL_AUTOROUTER_PRESETS=True LITELLM_TELEMETRY=False \
      ANTHROPIC_API_BASE=http://127.0.0.1:18432 \
      HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
      "$LITELLM" --config "$OUT/litellm.yaml" --host 127.0.0.1 --port 18440 > "$OUT/litellm.log" 2>&1 & echo $! > "$OUT/litellm.pid" )
  for i in $(seq 1 90); do curl -sf http://127.0.0.1:18440/health/liveliness >/dev/null && { echo ready; exit 0; }; sleep 1; done
  echo "not ready"; tail -20 "$OUT/litellm.log"; exit 1;;
stop)
  kill "$(cat "$OUT/litellm.pid")" "$(cat "$OUT/rec.pid")" 2>/dev/null; echo stopped;;
esac
