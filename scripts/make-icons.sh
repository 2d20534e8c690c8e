#!/bin/sh
# Renders resources/icons/*.svg to the PNGs bundled in resources/callboard.qrc (Qt's SVG plugin is
# not a build dependency). Needs ImageMagick (or rsvg-convert).
set -eu
cd "$(dirname "$0")/../resources/icons"
mkdir -p png
for svg in *.svg; do
    name=${svg%.svg}
    for size in 16 32; do
        if command -v rsvg-convert >/dev/null 2>&1; then
            rsvg-convert -w $size -h $size "$svg" -o "png/$name-$size.png"
        else
            convert -background none -density 384 "$svg" -resize ${size}x${size} "png/$name-$size.png"
        fi
    done
done
if command -v rsvg-convert >/dev/null 2>&1; then
    rsvg-convert -w 128 -h 128 callboard.svg -o png/callboard-128.png
else
    convert -background none -density 1200 callboard.svg -resize 128x128 png/callboard-128.png
fi
