#!/usr/bin/env bash
# Deploys an overlay of deploy/k8s with every image at one tag, migrations first:
#
#   scripts/deploy-k8s.sh <dev|prod> <tag>                      # needs kubectl and a kube context
#   scripts/deploy-k8s.sh <dev|prod> <tag> --render-only FILE   # only writes the manifests
#
# IMAGE_REGISTRY (e.g. registry.example.com/dis-sync): images become $IMAGE_REGISTRY/<binary>:<tag>;
# unset, the overlay's image names are kept and only the tag is set.
#
# The order (Argo CD gets the same from the migration Job's PreSync hook):
#   1. the objects labelled dis-sync/phase=pre-rollout (the ServiceAccount, the common ConfigMap,
#      dev's example Secret) and the migration Job, after deleting the previous Job (a Job's
#      template cannot be changed);
#   2. wait for the Job to complete; if it fails, print its log and stop: nothing else changed;
#   3. everything else, then wait for the API and worker rollouts.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 <dev|prod> <tag> [--render-only FILE]" >&2; exit 2; }
[ $# -ge 2 ] || usage
overlay=$1 tag=$2
shift 2
render_only=""
if [ $# -gt 0 ]; then
    if [ "$1" != "--render-only" ] || [ $# -ne 2 ]; then usage; fi
    render_only=$2
fi
[ -f "deploy/k8s/overlays/$overlay/kustomization.yaml" ] || { echo "no overlay deploy/k8s/overlays/$overlay" >&2; exit 2; }
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "not an image tag: $tag" >&2; exit 2; }

# Render the overlay once to learn its image names, then again through a kustomization of our own
# that sets registry and tag (kustomize cannot point at an absolute path, hence target/).
work=target/deploy-render/$overlay
rm -rf "$work" && mkdir -p "$work"
kubectl kustomize "deploy/k8s/overlays/$overlay" > "$work/overlay.yaml"
{
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources:"
    echo "  - ../../../deploy/k8s/overlays/$overlay"
    echo "images:"
    for binary in ingest-api worker extractor; do
        current=$(grep -oE "image: [^ ]*/$binary(:[A-Za-z0-9_.-]+)?\$" "$work/overlay.yaml" | head -1 |
            sed -E 's/^image: //; s/:[A-Za-z0-9_.-]+$//')
        [ -n "$current" ] || { echo "no $binary image in overlay $overlay" >&2; exit 1; }
        echo "  - name: $current"
        [ -z "${IMAGE_REGISTRY:-}" ] || echo "    newName: ${IMAGE_REGISTRY%/}/$binary"
        echo "    newTag: \"$tag\""
    done
} > "$work/kustomization.yaml"
kubectl kustomize "$work" > "$work/manifests.yaml"

if [ -n "$render_only" ]; then
    cp "$work/manifests.yaml" "$render_only"
    exit 0
fi

if grep -q 'CHANGE-ME' "$work/manifests.yaml"; then
    echo "The $overlay overlay still holds placeholder secrets (CHANGE-ME): replace them in" >&2
    echo "deploy/k8s/overlays/$overlay/secret.example.yaml, or remove that file from its" >&2
    echo "kustomization.yaml and create the Secret dis-sync yourself (README)." >&2
    exit 1
fi

namespace=$(grep -m1 -oE '^  namespace: [a-z0-9-]+$' "$work/manifests.yaml" | awk '{print $2}')
[ -n "$namespace" ] || { echo "overlay $overlay sets no namespace" >&2; exit 1; }
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
if ! grep -qE '^kind: Secret$' "$work/manifests.yaml" && ! kubectl -n "$namespace" get secret dis-sync >/dev/null; then
    echo "The Secret dis-sync does not exist in namespace $namespace: create it first (README," >&2
    echo "\"Running in production\")." >&2
    exit 1
fi

echo "== 1. migrations ($namespace, tag $tag)"
kubectl -n "$namespace" delete job dis-sync-migrate --ignore-not-found --wait=true
kubectl apply -f "$work/manifests.yaml" -l dis-sync/phase=pre-rollout
echo "== 2. waiting for job/dis-sync-migrate"
deadline=$((SECONDS + 900))
while :; do
    state=$(kubectl -n "$namespace" get job dis-sync-migrate \
        -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    case " $state " in
        *" Complete "*) echo "migrations applied"; break ;;
        *" Failed "*)
            echo "the migration Job failed; nothing else was changed. Its log:" >&2
            kubectl -n "$namespace" logs job/dis-sync-migrate --tail=100 >&2 || true
            exit 1 ;;
    esac
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "the migration Job did not finish in 15 minutes" >&2
        kubectl -n "$namespace" describe job dis-sync-migrate >&2 || true
        exit 1
    fi
    sleep 5
done

echo "== 3. rollout"
kubectl apply -f "$work/manifests.yaml"
kubectl -n "$namespace" rollout status deployment/dis-sync-api --timeout=10m
kubectl -n "$namespace" rollout status deployment/dis-sync-worker --timeout=10m
echo "deployed $overlay at $tag"
