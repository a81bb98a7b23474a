import CUmockdev
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The umockdev testbed: a fake `/sys` and `/dev` that processes running with the umockdev
/// preload and `UMOCKDEV_DIR=<rootDirectory>` see instead of the real ones.
///
/// Works around umockdev 0.17.16 (test-rig.md): uevents are sent by `UeventSender` (never by
/// umockdev's aborting sender), removal sends "remove" deepest-first before removing devices
/// deepest-first, and the `.ptymap` entry of every removed pty is deleted because the next
/// pty with the same pts number would otherwise make umockdev abort.
final class Testbed {
    private let handle: UnsafeMutablePointer<UMockdevTestbed>
    let rootDirectory: String
    private var sender: UeventSender

    /// Creates a testbed under `$TMPDIR` (the caller points TMPDIR at its run folder).
    init() throws {
        guard let handle = umockdev_testbed_new() else { throw SimulatorError.umockdev("umockdev_testbed_new failed") }
        self.handle = handle
        guard let root = umockdev_testbed_get_root_dir(handle) else { throw SimulatorError.umockdev("no root dir") }
        rootDirectory = String(cString: root)
        g_free(root)
        sender = UeventSender(rootDirectory: rootDirectory)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(handle))
    }

    /// Adds devices (parents first) without announcing them.
    ///
    /// umockdev 0.17.16's `add_from_string` sends its own "add" uevent through the sender that
    /// aborts on a slow listener; the listeners' sockets are renamed away meanwhile so that
    /// sender finds nobody (a bound Unix socket keeps working under its new name).
    func add(_ devices: [FakeDevice]) throws {
        var hidden: [(String, String)] = []
        for path in sender.listenerSockets() {
            let hiddenPath = rootDirectory + "/.hidden-" + (path as NSString).lastPathComponent
            if rename(path, hiddenPath) == 0 { hidden.append((path, hiddenPath)) }
        }
        defer { for (path, hiddenPath) in hidden { rename(hiddenPath, path) } }
        for device in devices {
            var error: UnsafeMutablePointer<GError>?
            let ok = umockdev_testbed_add_from_string(handle, device.record, &error)
            if ok == 0 || error != nil {
                let message = error.map { String(cString: $0.pointee.message) } ?? "unknown error"
                if let error { g_error_free(error) }
                throw SimulatorError.umockdev("adding \(device.devpath): \(message)")
            }
        }
    }

    /// Sends one uevent per device, in the given order.
    func announce(_ devices: [FakeDevice], action: String) {
        for device in devices {
            sender.send(action: action, devpath: device.devpath, subsystem: device.subsystem, devtype: device.devtype,
                        properties: device.ueventProperties)
        }
        sender.endBurst()
    }

    /// Sends a "change" uevent after updating attributes of `device`.
    func change(_ device: FakeDevice, attributes: [(String, String)]) {
        for (name, value) in attributes {
            umockdev_testbed_set_attribute(handle, device.syspath, name, value)
        }
        announce([device], action: "change")
    }

    /// Removes devices: "remove" uevents deepest first, then the devices deepest first, then
    /// the pty bookkeeping umockdev leaves behind.
    func remove(_ devices: [FakeDevice]) {
        let deepestFirst = devices.sorted { $0.devpath.count > $1.devpath.count }
        var ptyEntries: [String] = []
        for device in deepestFirst {
            if let node = device.node {
                let fd = ptyMaster(node: node)
                var number: UInt32 = 0
                if fd >= 0, ioctl(fd, 0x8004_5430 /* TIOCGPTN */, &number) == 0 {
                    ptyEntries.append("_dev_pts_\(number)")
                }
            }
        }
        announce(deepestFirst, action: "remove")
        for device in deepestFirst {
            if let node = device.node { hangUp(node: node) }
            umockdev_testbed_remove_device(handle, device.syspath)
        }
        for entry in ptyEntries {
            unlink(rootDirectory + "/dev/.ptymap/" + entry)
        }
    }

    /// umockdev keeps the pty master of a removed device open, so a host holding the tty would
    /// never notice the disconnect. Replacing the master fd with /dev/null closes the pty (the
    /// host reads EOF/EIO, as after a real USB disconnect) while the fd number stays valid for
    /// umockdev's own close at teardown.
    private func hangUp(node: String) {
        let fd = ptyMaster(node: node)
        guard fd >= 0 else { return }
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard null >= 0 else { return }
        dup2(null, fd)
        close(null)
    }

    /// The pty master behind `/dev/<node>`, owned by the testbed (do not close it), or -1.
    func ptyMaster(node: String) -> Int32 {
        umockdev_testbed_get_dev_fd(handle, "/dev/" + node)
    }
}
