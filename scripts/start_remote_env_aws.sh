#!/usr/bin/env bash
# Starts Deskpool with PROVIDER=aws on an EC2 host: VMs become EC2 instances of the OSWorld AMI in this host's
# region, subnet and security groups, which it reads from the instance metadata service (IMDSv2). The remote env
# API listens on ENV_PORT (15001), so a trainer's env.remote_server_url http://<EC2_IP>:15001 works as it is.
#
#   scripts/start_remote_env_aws.sh [--dry-run] [SERVER ARGS...]
#
# Values already in the environment win over detection: AWS_REGION, AWS_SUBNET_ID, AWS_SECURITY_GROUP_ID,
# ENV_ALLOW_FROM (default: loopback and this host's VPC, whose callers may send no token, as ARPO and ENVS do).
# Without TOKENS and ENV_ANONYMOUS_TOKEN a random token is made for those token-less callers.
# The metadata service is $AWS_EC2_METADATA_SERVICE_ENDPOINT when set (as the AWS SDK and CLI read it), else
# http://169.254.169.254; AWS_EC2_METADATA_DISABLED=true skips it. --dry-run prints what was found and the command
# it would run, and starts nothing. Other AWS settings (AWS_AMI_ID, AWS_INSTANCE_TYPE, ENABLE_TTL, ...) pass
# through the environment or .env unchanged; see provider-aws/README.md.
set -euo pipefail

usage() {
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
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

region="${AWS_REGION:-}";               region_src="environment"
subnet="${AWS_SUBNET_ID:-}";            subnet_src="environment"
groups="${AWS_SECURITY_GROUP_ID:-}";    groups_src="environment"
allow="${ENV_ALLOW_FROM:-}";            allow_src="environment"
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
env_port="${ENV_PORT:-15001}"

# The ARPO and ENVS clients send no token: callers from ENV_ALLOW_FROM act as ENV_ANONYMOUS_TOKEN.
tokens="${TOKENS:-}"
anonymous="${ENV_ANONYMOUS_TOKEN:-}"
anonymous_note="ENV_ANONYMOUS_TOKEN from the environment"
if [ -z "$anonymous" ]; then
  if [ -z "$tokens" ]; then
    anonymous="trainer-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    tokens="$anonymous"
    anonymous_note="a generated token without a limit"
  else
    anonymous_note="none: TOKENS is set but ENV_ANONYMOUS_TOKEN is not, so callers without a token get 401"
  fi
fi

echo "Region:          ${region:-(missing)}${region:+ ($region_src)}"
echo "Subnet:          ${subnet:-(missing)}${subnet:+ ($subnet_src)}"
echo "Security groups: ${groups:-(missing)}${groups:+ ($groups_src)}"
echo "Env API port:    $env_port (open it to the trainers in the security group)"
echo "Env callers:     $allow ($allow_src) may send no token: $anonymous_note"

missing=()
[ -n "$region" ] || missing+=("AWS_REGION=us-east-1")
[ -n "$subnet" ] || missing+=("AWS_SUBNET_ID=subnet-0123456789abcdef0")
[ -n "$groups" ] || missing+=("AWS_SECURITY_GROUP_ID=sg-0123456789abcdef0")
if [ "${#missing[@]}" -gt 0 ]; then
  {
    names="$(printf '%s\n' "${missing[@]%%=*}" | paste -sd, - | sed 's/,/, /g')"
    echo "error: missing $names: not set and not detected ($(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g'))."
    echo "Set them in the environment, e.g. ${missing[*]} $0, or run this on an EC2 instance in the subnet"
    echo "and security group the VMs should use."
  } >&2
  exit 1
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${DESKPOOL_JAR:-$root/server/target/deskpool.jar}"
command_line="PROVIDER=aws AWS_REGION=$region AWS_SUBNET_ID=$subnet AWS_SECURITY_GROUP_ID=$groups ENV_PORT=$env_port ENV_ALLOW_FROM=$allow java -jar $jar${server_args[*]:+ ${server_args[*]}}"

if [ "$dry_run" = "1" ]; then
  echo "Would run:       $command_line"
  exit 0
fi

if [ ! -f "$jar" ]; then
  echo "Building $jar (mvn -B -q -DskipTests package) ..."
  (cd "$root" && mvn -B -q -DskipTests package)
fi
echo "Running:         $command_line"
export PROVIDER=aws AWS_REGION="$region" AWS_SUBNET_ID="$subnet" AWS_SECURITY_GROUP_ID="$groups"
export ENV_PORT="$env_port" ENV_ALLOW_FROM="$allow"
if [ -n "$anonymous" ]; then
  export ENV_ANONYMOUS_TOKEN="$anonymous" TOKENS="$tokens"
fi
exec java ${JAVA_OPTS:-} -jar "$jar" "${server_args[@]}"
