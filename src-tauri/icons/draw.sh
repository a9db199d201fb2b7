#!/usr/bin/env bash
# Draws the tray icons and the app icon with ImageMagick (apt: imagemagick). The PNGs are
# committed; run this again only to change them. Each tray state differs in shape AND colour:
#   ok       green circle with a check mark
#   warning  amber triangle with an exclamation mark
#   critical red octagon with a white cross
#   unknown  grey diamond with a question mark
#   paused   blue rounded square with two pause bars
# Drawn at 256 px and scaled down (smooth edges), then written at 64 px for the tray.
set -euo pipefail
cd "$(dirname "$0")"
C=/usr/bin/convert
S=256
draw() { # draw NAME ARGS...: 256 px canvas, then 64 px output
  local name=$1; shift
  "$C" -size ${S}x${S} xc:none "$@" -filter Lanczos -resize 64x64 -strip "PNG32:tray-$name.png"
}
draw ok \
  -fill '#1f9d55' -stroke '#0f5c31' -strokewidth 10 -draw 'circle 128,128 128,12' \
  -fill none -stroke white -strokewidth 30 -draw 'stroke-linecap round stroke-linejoin round polyline 70,132 110,174 188,86'
draw warning \
  -fill '#f2a900' -stroke '#8a5a00' -strokewidth 10 -draw 'stroke-linejoin round polygon 128,14 244,226 12,226' \
  -fill '#2b2100' -stroke none -draw 'roundrectangle 114,78 142,168 12,12' -draw 'circle 128,198 128,182'
draw critical \
  -fill '#d62828' -stroke '#7a0d0d' -strokewidth 10 -draw 'polygon 80,10 176,10 246,80 246,176 176,246 80,246 10,176 10,80' \
  -stroke white -strokewidth 32 -draw 'stroke-linecap round line 82,82 174,174' -draw 'stroke-linecap round line 174,82 82,174'
draw unknown \
  -fill '#7b8794' -stroke '#3e4750' -strokewidth 10 -draw 'polygon 128,8 248,128 128,248 8,128' \
  -fill white -stroke none -font DejaVu-Sans-Bold -pointsize 150 -gravity center -annotate +0+6 '?'
draw paused \
  -fill '#2f6fdb' -stroke '#173a78' -strokewidth 10 -draw 'roundrectangle 16,16 240,240 44,44' \
  -fill white -stroke none -draw 'roundrectangle 78,64 114,192 10,10' -draw 'roundrectangle 142,64 178,192 10,10'
# The app icon (window and bundle): a dark tile with a radar sweep and a green dot.
"$C" -size 512x512 xc:none \
  -fill '#16202c' -draw 'roundrectangle 16,16 496,496 96,96' \
  -fill none -stroke '#3fb97a' -strokewidth 22 -draw 'circle 256,256 256,96' \
  -stroke '#2a7d55' -strokewidth 18 -draw 'circle 256,256 256,166' \
  -stroke '#3fb97a' -strokewidth 26 -draw 'stroke-linecap round line 256,256 370,150' \
  -fill '#6ee7a8' -stroke none -draw 'circle 256,256 256,226' \
  -filter Lanczos -resize 256x256 -strip PNG32:icon.png
"$C" icon.png -resize 32x32 PNG32:32x32.png
"$C" icon.png -resize 128x128 PNG32:128x128.png
# The Windows icon (the exe's resource, the window and the installer): one .ico with the sizes
# Explorer and the taskbar ask for, each scaled from the 256 px icon.
"$C" icon.png -filter Lanczos -define icon:auto-resize=256,128,64,48,32,24,16 icon.ico
