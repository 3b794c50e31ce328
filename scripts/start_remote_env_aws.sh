#!/usr/bin/env bash
# Starts Deskpool with PROVIDER=aws on an EC2 host: VMs become EC2 instances of the OSWorld AMI in this host's
# region, subnet and security groups, which it reads from the instance metadata service (IMDSv2). The remote env
# API listens on ENV_PORT (15001), so a trainer's env.remote_server_url http://<EC2_IP>:15001 works as it is.
#
#   scripts/start_remote_env_aws.sh [--dry-run] [SERVER ARGS...]
#
# Values already set win over detection and defaults: in the environment, in .env (in the working directory), or in
# the config file (DESKPOOL_CONFIG, default configs/config.yaml: TOKENS from its tokens:, any setting by its name
# under its deskpool:), the server's own order. Those from .env and the config file are left for the server to read,
# never exported over them. So: AWS_REGION, AWS_SUBNET_ID, AWS_SECURITY_GROUP_ID, ENV_PORT (default 15001),
# ENV_ALLOW_FROM (default: loopback and this host's VPC, whose callers may send no token, as ARPO and ENVS do).
# Without TOKENS and ENV_ANONYMOUS_TOKEN in any of them a random token is made for those token-less callers.
# PROVIDER is always aws: that is what this script is for.
# The metadata service is $AWS_EC2_METADATA_SERVICE_ENDPOINT when set (as the AWS SDK and CLI read it), else
# http://169.254.169.254; AWS_EC2_METADATA_DISABLED=true skips it. --dry-run prints what was found and the command
# it would run, and starts nothing. Other AWS settings (AWS_AMI_ID, AWS_INSTANCE_TYPE, ENABLE_TTL, ...) pass
# through the environment or .env unchanged; see provider-aws/README.md.
set -euo pipefail

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
}

dry_run=0
server_args=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    -h|--help) usage; exit 0 ;;
    *) server_args+=("$arg") ;;
  esac
done

imds="${AWS_EC2_METADATA_SERVICE_ENDPOINT:-http://169.254.169.254}"
imds="${imds%/}"
imds_timeout="${DESKPOOL_IMDS_TIMEOUT:-2}"
token=""
value=""
imds_down=0
problems=()

# A session token (IMDSv2): PUT with the TTL header.
imds_token() {
  token="$(curl -sS -f -m "$imds_timeout" -X PUT "$imds/latest/api/token" \
    -H "X-aws-ec2-metadata-token-ttl-seconds: 300" 2>/dev/null)" || token=""
  [ -n "$token" ]
}

# imds_get PATH: sets $value to latest/meta-data/PATH, or notes the problem and fails. A 401 (the token expired or
# was revoked) gets one fresh token. Runs in this shell, not a subshell, so the token is reused.
imds_get() {
  local path="$1" status body attempt
  value=""
  [ "$imds_down" = "0" ] || return 1
  for attempt in 1 2; do
    if [ -z "$token" ] && ! imds_token; then
      problems+=("the instance metadata service at $imds did not answer (not an EC2 host, or IMDS is off)")
      imds_down=1
      return 1
    fi
    body="$(mktemp)"
    status="$(curl -sS -m "$imds_timeout" -o "$body" -w '%{http_code}' \
      -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/$path" 2>/dev/null)" || status="000"
    if [ "$status" = "200" ]; then
      value="$(cat "$body")"; rm -f "$body"
      [ -n "$value" ] && return 0
      problems+=("the instance metadata has an empty $path"); return 1
    fi
    rm -f "$body"
    if [ "$status" = "401" ] && [ "$attempt" = "1" ]; then
      token=""; continue
    fi
    case "$status" in
      404) problems+=("the instance metadata has no $path") ;;
      000) problems+=("the instance metadata service at $imds did not answer"); imds_down=1 ;;
      *) problems+=("the instance metadata service answered HTTP $status for $path") ;;
    esac
    return 1
  done
}

# dotenv_get NAME: prints the value .env in the working directory gives NAME (the last one; quotes removed), or
# fails. The server reads the same file (dotenv-java) before the config file and after the environment.
dotenv_get() {
  [ -f .env ] || return 1
  awk -v k="$1" '
    { line = $0; sub(/^[ \t]+/, "", line); sub(/^export[ \t]+/, "", line) }
    index(line, k "=") == 1 {
      v = substr(line, length(k) + 2)
      if (v ~ /^".*"[ \t]*$/ || v ~ /^\047.*\047[ \t]*$/) { sub(/[ \t]+$/, "", v); v = substr(v, 2, length(v) - 2) }
      else { sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v) }
      found = 1
    }
    END { if (found) print v; exit !found }' .env
}

# yaml_get NAME: prints what the config file gives NAME, or fails: TOKENS from a tokens: mapping (name:limit,...),
# any NAME as a key under deskpool:. Reads the block style the server's docs show, not every form YAML allows.
yaml_get() {
  [ -f "$config_file" ] || return 1
  awk -v k="$1" '
    function unquote(v) {
      sub(/^[ \t]+/, "", v)
      if (v ~ /^".*"[ \t]*$/ || v ~ /^\047.*\047[ \t]*$/) { sub(/[ \t]+$/, "", v); return substr(v, 2, length(v) - 2) }
      sub(/[ \t]+#.*$/, "", v); sub(/[ \t]+$/, "", v); return v
    }
    /^[ \t]*(#.*)?$/ { next }
    /^[^ \t]/ {
      section = $0; sub(/:.*/, "", section)
      if (k == "TOKENS" && section == "tokens") {
        rest = $0; sub(/^tokens:/, "", rest); rest = unquote(rest)
        if (rest != "" && rest != "{}" && rest != "null" && rest != "~") { v = rest; found = 1 }
      }
      next
    }
    section == "tokens" && k == "TOKENS" {
      entry = $0; sub(/^[ \t]+/, "", entry); name = entry; sub(/:.*/, "", name)
      limit = entry; sub(/^[^:]*:/, "", limit)
      v = (v == "" ? "" : v ",") unquote(name) ":" unquote(limit); found = 1
    }
    section == "deskpool" {
      entry = $0; sub(/^[ \t]+/, "", entry)
      if (index(entry, k ":") == 1) { v = unquote(substr(entry, length(k) + 2)); found = 1 }
    }
    END { if (found) print v; exit !found }' "$config_file"
}

config_file="${DESKPOOL_CONFIG:-$(dotenv_get DESKPOOL_CONFIG || true)}"
config_file="${config_file:-configs/config.yaml}"

# setting NAME: sets $found and $found_src to NAME as the server will see it (environment, then .env, then the
# config file); both empty when none of them sets it.
setting() {
  local name="$1"
  found="${!name:-}"; found_src="environment"
  [ -n "$found" ] && return 0
  found="$(dotenv_get "$name" || true)"; found_src=".env"
  [ -n "$found" ] && return 0
  found="$(yaml_get "$name" || true)"; found_src="$config_file"
  [ -n "$found" ] && return 0
  found_src=""
  return 0
}

setting AWS_REGION;            region="$found";  region_src="$found_src"
setting AWS_SUBNET_ID;         subnet="$found";  subnet_src="$found_src"
setting AWS_SECURITY_GROUP_ID; groups="$found";  groups_src="$found_src"
setting ENV_ALLOW_FROM;        allow="$found";   allow_src="$found_src"
setting ENV_PORT;              env_port="$found"; env_port_src="$found_src"
setting TOKENS;                tokens="$found";  tokens_src="$found_src"
setting ENV_ANONYMOUS_TOKEN;   anonymous="$found"; anonymous_src="$found_src"
loopback="127.0.0.0/8,::1/128"

if [ -z "$region" ] || [ -z "$subnet" ] || [ -z "$groups" ] || [ -z "$allow" ]; then
  if [ "${AWS_EC2_METADATA_DISABLED:-false}" = "true" ]; then
    problems+=("AWS_EC2_METADATA_DISABLED is true, so the instance metadata service was not asked")
  else
    if [ -z "$region" ] && imds_get placement/region; then
      region="$value"; region_src="IMDS"
    fi
    if { [ -z "$subnet" ] || [ -z "$groups" ] || [ -z "$allow" ]; } && imds_get mac; then
      mac="$value"
      if [ -z "$subnet" ] && imds_get "network/interfaces/macs/$mac/subnet-id"; then
        subnet="$value"; subnet_src="IMDS"
      fi
      if [ -z "$groups" ] && imds_get "network/interfaces/macs/$mac/security-group-ids"; then
        groups="$(printf '%s' "$value" | tr -s ' \n' ',' | sed 's/,$//')"; groups_src="IMDS"
      fi
      if [ -z "$allow" ] && imds_get "network/interfaces/macs/$mac/vpc-ipv4-cidr-blocks"; then
        allow="$loopback,$(printf '%s' "$value" | tr -s ' \n' ',' | sed 's/,$//')"; allow_src="loopback and this VPC, IMDS"
      fi
    fi
  fi
fi
if [ -z "$allow" ]; then
  allow="$loopback"; allow_src="loopback only: trainers on other hosts must send a token, or set ENV_ALLOW_FROM"
fi
if [ -z "$env_port" ]; then
  env_port=15001; env_port_src="default"
fi

# The ARPO and ENVS clients send no token: callers from ENV_ALLOW_FROM act as ENV_ANONYMOUS_TOKEN.
anonymous_note="ENV_ANONYMOUS_TOKEN from $anonymous_src"
if [ -z "$anonymous" ]; then
  if [ -z "$tokens" ]; then
    anonymous="trainer-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    tokens="$anonymous"
    anonymous_src="generated"; tokens_src="generated"
    anonymous_note="a generated token without a limit"
  else
    anonymous_note="none: TOKENS is set ($tokens_src) but ENV_ANONYMOUS_TOKEN is not, so callers without a token get 401"
  fi
fi

# What the server gets from this script: values it detected or made, and those from the environment (unchanged).
# Values from .env or the config file are not exported: the environment would take precedence over them.
exports=(PROVIDER=aws)
shown=(PROVIDER=aws)
from_files=()
offer() {
  local name="$1" val="$2" src="$3" show="$4"
  if [ "$src" = ".env" ] || [ "$src" = "$config_file" ]; then
    from_files+=("$name")
    return 0
  fi
  [ -n "$val" ] || return 0
  exports+=("$name=$val")
  [ "$show" = "show" ] && shown+=("$name=$val")
  return 0
}
offer AWS_REGION "$region" "$region_src" show
offer AWS_SUBNET_ID "$subnet" "$subnet_src" show
offer AWS_SECURITY_GROUP_ID "$groups" "$groups_src" show
offer ENV_PORT "$env_port" "$env_port_src" show
offer ENV_ALLOW_FROM "$allow" "$allow_src" show
offer TOKENS "$tokens" "$tokens_src" hide
offer ENV_ANONYMOUS_TOKEN "$anonymous" "$anonymous_src" hide

echo "Region:          ${region:-(missing)}${region:+ ($region_src)}"
echo "Subnet:          ${subnet:-(missing)}${subnet:+ ($subnet_src)}"
echo "Security groups: ${groups:-(missing)}${groups:+ ($groups_src)}"
echo "Env API port:    $env_port ($env_port_src; open it to the trainers in the security group)"
echo "Env callers:     $allow ($allow_src) may send no token: $anonymous_note"
if [ "${#from_files[@]}" -gt 0 ]; then
  echo "Left to the server (from .env or $config_file): ${from_files[*]}"
fi

missing=()
[ -n "$region" ] || missing+=("AWS_REGION=us-east-1")
[ -n "$subnet" ] || missing+=("AWS_SUBNET_ID=subnet-0123456789abcdef0")
[ -n "$groups" ] || missing+=("AWS_SECURITY_GROUP_ID=sg-0123456789abcdef0")
if [ "${#missing[@]}" -gt 0 ]; then
  {
    names="$(printf '%s\n' "${missing[@]%%=*}" | paste -sd, - | sed 's/,/, /g')"
    echo "error: missing $names: not set and not detected ($(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g'))."
    echo "Set them in the environment or .env, e.g. ${missing[*]} $0, or run this on an EC2 instance in the subnet"
    echo "and security group the VMs should use."
  } >&2
  exit 1
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${DESKPOOL_JAR:-$root/server/target/deskpool.jar}"
command_line="${shown[*]} java -jar $jar${server_args[*]:+ ${server_args[*]}}"

if [ "$dry_run" = "1" ]; then
  echo "Would run:       $command_line"
  exit 0
fi

if [ ! -f "$jar" ]; then
  echo "Building $jar (mvn -B -q -DskipTests package) ..."
  (cd "$root" && mvn -B -q -DskipTests package)
fi
echo "Running:         $command_line"
export "${exports[@]}"
exec java ${JAVA_OPTS:-} -jar "$jar" "${server_args[@]}"
