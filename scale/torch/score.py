"""`python3 scale/torch/score.py MODEL --ids '[...]'`: lmlab_torch.score without PYTHONPATH."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lmlab_torch.score import main  # noqa: E402

main()
