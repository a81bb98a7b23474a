/// A libudev monitor (through ctypes, so it is the real libudev under the umockdev preload)
/// that arms itself, runs `bg95sim ctl reboot`, and prints every event it receives for the
/// subsystems given as arguments: `<action> <subsystem> <sysname> <devnode> <ID_USB_INTERFACE_NUM>
/// <driver>`. The subsystem filter runs in libudev on the hashes of the monitor header, so the
/// events only arrive when the simulator computes them like udevd.
enum UdevMonitorScript {
    static let source = #"""
import ctypes, os, select, subprocess, sys, time
u = ctypes.CDLL("libudev.so.1")
u.udev_new.restype = ctypes.c_void_p
u.udev_monitor_new_from_netlink.restype = ctypes.c_void_p
u.udev_monitor_new_from_netlink.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
u.udev_monitor_filter_add_match_subsystem_devtype.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
u.udev_monitor_enable_receiving.argtypes = [ctypes.c_void_p]
u.udev_monitor_get_fd.argtypes = [ctypes.c_void_p]
u.udev_monitor_receive_device.restype = ctypes.c_void_p
u.udev_monitor_receive_device.argtypes = [ctypes.c_void_p]
for name in ["udev_device_get_action", "udev_device_get_sysname", "udev_device_get_subsystem",
             "udev_device_get_devnode", "udev_device_get_driver"]:
    getattr(u, name).restype = ctypes.c_char_p
    getattr(u, name).argtypes = [ctypes.c_void_p]
u.udev_device_get_property_value.restype = ctypes.c_char_p
u.udev_device_get_property_value.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
mon = u.udev_monitor_new_from_netlink(u.udev_new(), b"udev")
for subsystem in sys.argv[1:]:
    u.udev_monitor_filter_add_match_subsystem_devtype(mon, subsystem.encode(), None)
assert u.udev_monitor_enable_receiving(mon) == 0
fd = u.udev_monitor_get_fd(mon)
env = dict(os.environ)
env.pop("LD_PRELOAD", None)
env.pop("UMOCKDEV_DIR", None)
ctl = subprocess.Popen([os.environ["BG95SIM_BIN"], "ctl", "reboot"], env=env, stdout=subprocess.PIPE)
def text(value):
    return value.decode() if value else "-"
deadline = time.time() + 20
done_at = None
while time.time() < deadline and (done_at is None or time.time() < done_at):
    if done_at is None and ctl.poll() is not None:
        print("ctl " + ctl.stdout.read().decode().strip(), flush=True)
        done_at = time.time() + 0.5   # events after the ack: allow a moment, then stop
    r, _, _ = select.select([fd], [], [], 0.05)
    if not r:
        continue
    d = u.udev_monitor_receive_device(mon)
    if not d:
        continue
    print(" ".join([text(u.udev_device_get_action(d)), text(u.udev_device_get_subsystem(d)),
                    text(u.udev_device_get_sysname(d)), text(u.udev_device_get_devnode(d)),
                    text(u.udev_device_get_property_value(d, b"ID_USB_INTERFACE_NUM")),
                    text(u.udev_device_get_driver(d))]), flush=True)
"""#
}
