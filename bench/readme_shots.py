"""Take the README's pictures of the world with OpenGL at 1280×720, one `shots.py` run each (a
server, players walking in, a photographer): run it under Xvfb.

    xvfb-run -a -s "-screen 0 1280x720x24" python -m makaverse.bench.readme_shots docs/ [NAME ...]

NAME picks some of them (plaza, service-hall, directory, minimap, settings, look-chooser,
low-preset); the minimap is cut from the directory picture, so it needs that one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import shots

__all__ = ["main", "PICTURES"]

# name: the options of shots.py (besides --gl and the output file)
PICTURES: dict[str, list[str]] = {
    "plaza": ["--scene", "plaza", "--camera", "forecourt", "--preset", "high"],
    "service-hall": ["--preset", "high"],
    "directory": ["--route", "0,-4;0,12@0",
                  "--photographer=--directory 'akta lahir' --take-me-there --guide-seconds 3"],
    "settings": ["--photographer=--settings-panel"],
    "look-chooser": ["--photographer=--look-chooser --look skin=3,headwear=songkok,pattern=balo_lobang,"
                     "top=#f5f5f0,accent=#c8961e,bottom=#7a1020,head=#1c1c1c"],
    "low-preset": ["--preset", "low"],
}
MINIMAP_CROP = (1056, 348, 1280, 694)  # x0, y0, x1, y1 of the minimap and its key hint at 1280×720


def _crop(src: Path, out: Path, box: tuple[int, int, int, int]) -> None:
    from panda3d.core import Filename, PNMImage

    img = PNMImage()
    if not img.read(Filename.from_os_specific(str(src))):
        raise RuntimeError(f"cannot read {src}")
    x0, y0, x1, y1 = box
    part = PNMImage(x1 - x0, y1 - y0)
    part.copy_sub_image(img, 0, 0, x0, y0, x1 - x0, y1 - y0)
    part.write(Filename.from_os_specific(str(out)))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="docs")
    p.add_argument("names", nargs="*", help="some of: " + ", ".join([*PICTURES, "minimap"]))
    args = p.parse_args(argv)
    folder = Path(args.folder)
    names = args.names or [*PICTURES, "minimap"]
    failed = 0
    for name in names:
        if name == "minimap":
            _crop(folder / "directory.png", folder / "minimap.png", MINIMAP_CROP)
            continue
        code = shots.main([str(folder / f"{name}.png"), "--gl", *PICTURES[name]])
        failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
