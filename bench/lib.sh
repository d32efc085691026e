# bench/lib.sh - what several benchmarks share (sourced, POSIX sh).

# make_photos WORK OUT N: N distinct 1600x1200 JPEGs (p0000.jpg ...) in OUT, cropped from
# Debian's mate-backgrounds at shifting offsets (so no two have the same content hash);
# WORK/base holds the scaled sources.
make_photos() {
    mkdir -p "$1/base" "$2"
    for f in /usr/share/backgrounds/mate/nature/*.jpg; do
        vips thumbnail "$f" "$1/base/$(basename "$f" .jpg).v" 1700 --height 1300 --crop centre
    done
    mp_out=$2
    mp_n=$3
    set -- "$1"/base/*.v
    mp_nb=$#
    mp_i=0
    while [ $mp_i -lt "$mp_n" ]; do
        mp_k=$((mp_i / mp_nb * 3))
        eval "mp_b=\${$((mp_i % mp_nb + 1))}"
        vips crop "$mp_b" "$mp_out/p$(printf %04d $mp_i).jpg[Q=90]" $mp_k $mp_k 1600 1200
        mp_i=$((mp_i + 1))
    done
}
