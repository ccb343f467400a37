"""The reference's ``anim`` module: GIF animations from saved PNG figures.

Examples
--------
>>> import tempfile, numpy as np, imageio.v3 as iio
>>> folder = Path(tempfile.mkdtemp())
>>> for i in range(3):
...     iio.imwrite(folder / f'frame-{i}.png', np.full((4, 4, 3), 80 * i, dtype=np.uint8))
>>> path = animate_from_filenames([f'frame-{i}' for i in range(3)], 'frames', input_folder_or_list=folder, output_folder=folder)
>>> iio.imread(path, index=None).shape[0]
3
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..figures.animation import read_png, write_gif
from ..storage.sweeps import FIGURES_FOLDER

TEMP_FOLDER = FIGURES_FOLDER


def animate_from_filenames(
    filename_list,
    output_gif_filename,
    ms_per_frame=100,
    input_folder_or_list=TEMP_FOLDER,
    output_folder=TEMP_FOLDER,
):
    """Write the PNG files ``filename_list`` (``.png`` optional) as frames of ``{output_folder}/{output_gif_filename}.gif``.

    ``input_folder_or_list`` is one folder for every file, or a list of folders (one per file).
    Returns the path of the GIF.
    """
    names = list(filename_list)
    folders = (
        [input_folder_or_list] * len(names)
        if isinstance(input_folder_or_list, (str, Path))
        else list(input_folder_or_list)
    )
    if len(folders) != len(names):
        raise ModelError(f"{len(folders)} input folders for {len(names)} files")
    frames = []
    for folder, name in zip(folders, names):
        path = Path(folder) / name
        frames.append(read_png(path if path.suffix.lower() == ".png" else path.with_name(path.name + ".png")))
    return write_gif(frames, Path(output_folder) / output_gif_filename, ms_per_frame=ms_per_frame)


__all__ = ["animate_from_filenames"]
