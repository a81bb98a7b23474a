/// The version every bg95 executable reports.
public enum BG95Version {
    public static let string = "0.1.0"
}
