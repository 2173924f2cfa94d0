# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by the install and ABI tests (tests/packaging/install.sh, tests/abi_*.sh,
# tests/dlopen*.sh): `stage_install [VAR=value...]` runs `make install` of
# $BUILD into a fresh DESTDIR and sets
#   stage    the DESTDIR
#   prefix   PREFIX as the package sees it (/opt/lfmap-test unless given)
#   libdir incdir pcdir   the staged LIBDIR, INCLUDEDIR, PKGCONFIGDIR
#   datadir mandir cmakedir   the staged DATADIR, MANDIR, CMAKEDIR
#   pc       pkg-config on the staged lfmap.pc (pc --cflags --libs ...)
#   version major soname  from the VERSION file
# Sanitizer builds skip (exit 77): their libraries need the sanitizer runtime
# in the loading program, which the programs built here do not have.
# Needs BUILD, CC; defines die() and tmp (tests/support/shell_test.sh).
case "${BUILD:-build}" in
*tsan* | *asan*)
    echo "skipped: installed-library tests do not run in sanitizer builds"
    exit 77
    ;;
esac
. "$(dirname "${BASH_SOURCE[0]}")/shell_test.sh"
version=$(cat VERSION)
major=${version%%.*}
soname=liblfmap.so.$major

stage_install() { # [VAR=value...] passed to make install
    stage=$tmp/stage
    rm -rf "$stage"
    local vars=(PREFIX=/opt/lfmap-test "$@") v
    prefix=/opt/lfmap-test
    local l='' i='' p='' d='' m='' c=''
    for v in "${vars[@]}"; do
        case "$v" in
        PREFIX=*) prefix=${v#PREFIX=} ;;
        LIBDIR=*) l=${v#LIBDIR=} ;;
        INCLUDEDIR=*) i=${v#INCLUDEDIR=} ;;
        PKGCONFIGDIR=*) p=${v#PKGCONFIGDIR=} ;;
        DATADIR=*) d=${v#DATADIR=} ;;
        MANDIR=*) m=${v#MANDIR=} ;;
        CMAKEDIR=*) c=${v#CMAKEDIR=} ;;
        esac
    done
    l=${l:-$prefix/lib}
    i=${i:-$prefix/include}
    p=${p:-$l/pkgconfig}
    d=${d:-$prefix/share}
    libdir=$stage$l
    incdir=$stage$i
    pcdir=$stage$p
    datadir=$stage$d
    mandir=$stage${m:-$d/man}
    cmakedir=$stage${c:-$l/cmake/lfmap}
    make -s BUILD="$BUILD" CC="$CC" DESTDIR="$stage" "${vars[@]}" install >"$tmp/install.log" 2>&1 ||
        { cat "$tmp/install.log"; die "make install failed"; }
}

# pkg-config on the staged package: the .pc names every path relative to
# its own directory, so it works where it lies.
pc() {
    PKG_CONFIG_PATH="$pcdir" pkg-config "$@" lfmap
}
