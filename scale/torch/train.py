"""Entry point for torchrun: `torchrun --nproc_per_node N scale/torch/train.py --config C --run-dir R ...`
(the same as `python -m lmlab_torch.train` with scale/torch on PYTHONPATH)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lmlab_torch.train import cli  # noqa: E402

cli()
