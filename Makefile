# SPDX-License-Identifier: GPL-2.0
#
# wgtun top-level Makefile.
#
#   make [KDIR=...]   build wgtun.ko here for KDIR (default: the running kernel)
#                     and tools/wgctl
#   make install      modules_install + depmod, and wgctl into /usr/local/sbin
#   make clean
#
# Development on a machine that cannot load modules (tests run in QEMU guests):
#   make deps         install Debian packages, fetch the pinned kernels (root)
#   make modules-all  build/<release>/{release,debug}/wgtun.ko for every pinned
#                     kernel, W=1, failing on any warning
#   make check        deps + modules-all + wgctl, then the tests in a QEMU
#                     guest for every pinned kernel, each kernel's tier in
#                     selftests/kernels.conf (full: every test; core: the core
#                     subset); ends with "N passed, N failed, N skipped"
#   make check-all    the same with every test on every kernel
#   make check-dkms   dkms build of this tree for each kernel and flavour in
#                     scripts/check-dkms.sh (on the host and in the sid root)
#   make demo         deps, 6.12's module and wgctl, then a 6.12 guest runs
#                     selftests/demo.sh
#   make deb          the Debian packages wgtun-dkms and wgctl, into build/deb/
#   make check-deb    make deb, then install both into a Debian bookworm chroot
#                     (.cache/deb-root), check DKMS's module, the units and
#                     wgctl --version there, purge both, check nothing is left

KDIR ?= /lib/modules/$(shell uname -r)/build
# The release KDIR was built for (Debian's kernel.release holds another string).
KRELEASE = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# The plain release number lives in dkms.conf; git describe refines it
# (scripts/version.sh, which tools/wgctl uses too).
WGTUN_RELEASE := $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' dkms.conf)
WGTUN_VERSION ?= $(shell scripts/version.sh)
export WGTUN_VERSION

KERNELS_CONF := selftests/kernels.conf
KRELEASES := $(shell awk '!/^[[:space:]]*(\#|$$)/ { print $$2 }' $(KERNELS_CONF))
# Kernels built in the sid root (kernels.conf column "from"), by sid's compiler.
SID_KRELEASES := $(shell awk '!/^[[:space:]]*(\#|$$)/ && $$6 == "sid" { print $$2 }' \
	$(KERNELS_CONF))
SID_ROOT := .cache/sid-root
FLAVOURS := release debug
HAVE_WGCTL := $(wildcard tools/wgctl/Makefile)

# Build outputs that must survive the source sync into build/<release>/<flavour>/.
SYNC_KEEP := --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.a' --exclude='*.d' --exclude='modules.order' \
	--exclude='Module.symvers' --exclude='.tmp_versions'

.PHONY: all module wgctl clean install deps modules-all check check-all check-build demo \
	test-tools style check-debug check-dkms bench deb check-deb

all: module wgctl

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

wgctl:
ifneq ($(HAVE_WGCTL),)
	$(MAKE) -C tools/wgctl
endif

# Not kbuild's "M=. clean": it would also delete every .ko and modules.order
# under .cache/, the unpacked test kernels among them.
clean:
	find . \( -path ./.cache -o -path ./.git -o -path ./build \) -prune -o \
		\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*.dwo' \) -type f -print0 | xargs -0 rm -f
	rm -rf build modules.order Module.symvers .tmp_versions
ifneq ($(HAVE_WGCTL),)
	$(MAKE) -C tools/wgctl clean
endif

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)
ifneq ($(HAVE_WGCTL),)
	$(MAKE) -C tools/wgctl install
endif

deps:
	scripts/deps.sh

# Where kernel $(1)'s flavour $(2) compiles, and the make that compiles it:
# build/<release>/<flavour> with the host's compiler, or for a sid kernel its
# twin in the sid root, with sid's (the module is copied back).
is_sid = $(filter $(1),$(SID_KRELEASES))
obj_dir = $(if $(is_sid),$(SID_ROOT)/)build/$(1)/$(2)
kbuild = $(if $(is_sid),scripts/sid-root.sh run $$(MAKE) -C /lib/modules/$(1)/build M=/build/$(1)/$(2),$$(MAKE) -C /lib/modules/$(1)/build M=$(CURDIR)/build/$(1)/$(2))

# One phony target per (kernel, flavour), so that make -j2 builds them side by side.
define module_rule
.PHONY: module-$(1)-$(2)
modules-all: module-$(1)-$(2)
module-$(1)-$(2): $(if $(call is_sid,$(1)),sid-root)
	@mkdir -p build/$(1)/$(2) $(call obj_dir,$(1),$(2))
	@rsync -a --delete $(SYNC_KEEP) Kbuild src uapi $(call obj_dir,$(1),$(2))/
	@echo "  BUILD   $(1) $(2) ($(WGTUN_VERSION))"
	@$(call kbuild,$(1),$(2)) W=1 \
		$(if $(filter debug,$(2)),WGTUN_DEBUG=1) modules \
		> build/$(1)/$(2)/build.log 2>&1 || \
		{ cat build/$(1)/$(2)/build.log; echo "modules-all: $(1) $(2) failed"; exit 1; }
	@# Objects go too, so that the next build compiles (and warns) again.
	@if grep -qi 'warning:' build/$(1)/$(2)/build.log; then \
		grep -i -B2 -A4 'warning:' build/$(1)/$(2)/build.log; \
		echo "modules-all: $(1) $(2): warnings (see build/$(1)/$(2)/build.log)"; \
		find $(call obj_dir,$(1),$(2)) -name '*.o' -delete; \
		exit 1; fi
	$(if $(call is_sid,$(1)),@cp $(SID_ROOT)/build/$(1)/$(2)/wgtun.ko build/$(1)/$(2)/)
	@test -f build/$(1)/$(2)/wgtun.ko
endef
$(foreach k,$(KRELEASES),$(foreach f,$(FLAVOURS),$(eval $(call module_rule,$(k),$(f)))))

modules-all:
	@echo "modules-all: $(KRELEASES) x $(FLAVOURS) built warning-free"

# The sid root, for the kernels whose "from" column says sid (made once).
.PHONY: sid-root
sid-root:
	@scripts/sid-root.sh

# Kbuild keeps its own fallback release number for builds without this Makefile.
modules-all: release-consistent
.PHONY: release-consistent
release-consistent:
	@kb=$$(sed -n 's/^WGTUN_RELEASE[[:space:]]*:*=[[:space:]]*//p' Kbuild); \
	if [ -n "$$kb" ] && [ "$$kb" != "$(WGTUN_RELEASE)" ]; then \
		echo "release number differs: Kbuild $$kb, dkms.conf $(WGTUN_RELEASE)"; exit 1; fi
	@ch=$$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' debian/changelog); \
	if [ "$$ch" != "$(WGTUN_RELEASE)" ]; then \
		echo "release number differs: debian/changelog $$ch, dkms.conf $(WGTUN_RELEASE)"; \
		exit 1; fi

HAVE_TEST_TOOLS := $(wildcard selftests/tools/Makefile)

# Helper programs the guest tests run (packet generators, fuzzers).
test-tools:
ifneq ($(HAVE_TEST_TOOLS),)
	$(MAKE) -C selftests/tools
endif

# What both check targets build and run on the host before the guests.
check-build:
	$(MAKE) deps
	$(MAKE) -j2 modules-all
	$(MAKE) wgctl test-tools
ifneq ($(HAVE_WGCTL),)
	$(MAKE) -C tools/wgctl test
	$(MAKE) -C tools/wgctl fuzz-run FUZZ_TIME=30
endif

check: check-build
	selftests/run --kernel all

check-all: check-build
	selftests/run --kernel all --all

# Static checks: checkpatch --strict and sparse over src/, cppcheck and
# -fanalyzer over wgctl.
style:
	scripts/deps.sh --extra
	scripts/style.sh

# The whole suite under a 6.1 kernel built with KASAN, UBSAN, lockdep and
# kmemleak (built once, cached in .cache/debug-kernel/; see the script).
check-debug:
	scripts/deps.sh --extra
	$(MAKE) wgctl test-tools
	scripts/debug-kernel.sh check

# dkms build for every kernel and flavour of scripts/check-dkms.sh, the sid
# ones in the sid root; not part of check (a few minutes a kernel).
check-dkms:
	scripts/deps.sh --extra
	scripts/check-dkms.sh

# Benchmarks against the in-tree module (BENCHMARKS.md); not part of check.
bench:
	$(MAKE) deps
	$(MAKE) -j2 modules-all
	$(MAKE) wgctl
	bench/run

# The packages are built from a copy of the tree (what git would track), so
# that dpkg-buildpackage writes them into build/deb/ and not beside the tree.
DEB_DIR := build/deb
deb: release-consistent
	scripts/deps.sh --deb
	@rm -rf $(DEB_DIR)
	@mkdir -p $(DEB_DIR)/wgtun-$(WGTUN_RELEASE)
	@rsync -a --exclude=/.git --filter=':- .gitignore' ./ $(DEB_DIR)/wgtun-$(WGTUN_RELEASE)/
	cd $(DEB_DIR)/wgtun-$(WGTUN_RELEASE) && dpkg-buildpackage -b -us -uc \
		> ../build.log 2>&1 || { tail -n 40 ../build.log; exit 1; }
	lintian --allow-root --fail-on error,warning $(DEB_DIR)/*.changes
	@ls $(DEB_DIR)/*.deb

check-deb: deb
	scripts/check-deb.sh $(DEB_DIR)

# The demo's kernel (kernels.conf's short name) and its release.
DEMO_KERNEL := 6.12
DEMO_KRELEASE := $(shell awk '$$1 == "$(DEMO_KERNEL)" { print $$2 }' $(KERNELS_CONF))

demo:
	$(MAKE) deps
	$(MAKE) -j2 module-$(DEMO_KRELEASE)-release module-$(DEMO_KRELEASE)-debug
	$(MAKE) wgctl
	selftests/run --kernel $(DEMO_KERNEL) --verbose selftests/demo.sh
